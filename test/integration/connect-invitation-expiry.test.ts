/**
 * The operator's onboarding invitation link over the real parts (DynamoDB Local, the Stripe emulator
 * through the SDK) with a fake clock: it works on day 6, says it has expired on day 8, and a renewed
 * one works while the old one stays dead. Each opening mints a fresh, single-use Account Link at the
 * emulator. (The HTTP flow with sign-in and the signed `account.updated` is in connect-onboarding.test.ts,
 * on the real clock.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoOperatorReader } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../../shared/adapters/dynamodb/connect-store.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoReceiptOutbox } from '../../shared/adapters/dynamodb/receipt-outbox.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createStripeClient } from '../../shared/adapters/stripe/client.js';
import { StripeConnectGateway } from '../../shared/adapters/stripe/connect-gateway.js';
import type { ConnectDeps } from '../../shared/app/connect/deps.js';
import { openOnboardingLink, startOnboarding } from '../../shared/app/connect/onboarding.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { sha256 } from '../../shared/app/users/tokens.js';
import { silentLog } from '../../shared/ports/log.js';

const DAY_MS = 24 * 3600 * 1000;
const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const stripe = createStripeClient({
  secretKey: platform.stripeSecretKey,
  apiUrl: platform.endpoints.stripeUrl,
});
afterAll(() => doc.destroy());

let nowMs = Date.now();
const clock = { now: () => nowMs };
const mailer = new MemoryMailer();
const users = new DynamoUserStore(table);
const operators = new DynamoOperatorReader(table);
const deps: ConnectDeps = {
  clock,
  log: silentLog,
  settings: {
    publicBaseUrl: 'https://ev.example',
    fee: { bps: 0, fixedMinor: 0 },
    refundFeePolicy: 'proportional',
    pendingFlagDays: 30,
  },
  operators: { operator: (operatorId) => operators.get(operatorId) },
  users,
  store: new DynamoConnectStore(table),
  stripe: new StripeConnectGateway(async () => stripe),
  mailer,
  receipts: new DynamoReceiptOutbox(table),
};

let owner: { operatorId: string; userId: string };

/** The token of the last invitation link the platform emailed (only its hash is stored). */
function lastLinkToken(): string {
  const token = /\/connect\/onboard\/([A-Za-z0-9_-]+)/.exec(mailer.sent.at(-1)?.text ?? '')?.[1];
  if (!token) throw new Error('no onboarding link in the last email');
  return token;
}

beforeAll(async () => {
  const email = `owner-${randomUUID().slice(0, 8)}@expiry.example`;
  const created = await createOperator(
    {
      operators: new DynamoOperatorRegistry(table),
      users,
      mailer: new MemoryMailer(),
      clock,
      publicBaseUrl: 'https://ev.example',
    },
    { name: 'Expiry Arms', email, kind: 'public' },
  );
  // The owner as the console signs them in: an active user of the operator (the sign-in itself is
  // connect-onboarding.test.ts's).
  const userId = `usr-${randomUUID().slice(0, 8)}`;
  await users.createUser({
    operatorId: created.operatorId,
    userId,
    email: `active-${email}`,
    role: 'owner',
    status: 'active',
    recoveryCodeHashes: [],
    createdAt: new Date(nowMs).toISOString(),
  });
  owner = { operatorId: created.operatorId, userId };
});

describe('the onboarding invitation link, on DynamoDB Local and the Stripe emulator', () => {
  it('works on day 6, has expired on day 8, and a renewed link works while the old one stays dead', async () => {
    const { accountId } = await startOnboarding(deps, owner);
    const first = lastLinkToken();
    expect(mailer.sent.at(-1)?.text).not.toContain('stripe');
    const stored = await deps.store.account(owner.operatorId);
    expect(stored?.linkHash).toBe(sha256(first));
    expect(JSON.stringify(stored)).not.toContain(first);

    nowMs += 6 * DAY_MS;
    const day6 = await openOnboardingLink(deps, owner, first);
    expect(day6.outcome).toBe('redirect');
    const again = await openOnboardingLink(deps, owner, first);
    // Account Links are single use and short-lived: every opening mints its own at Stripe.
    expect(again.outcome === 'redirect' && day6.outcome === 'redirect' && again.url !== day6.url).toBe(true);
    const linkUrl = day6.outcome === 'redirect' ? new URL(day6.url) : undefined;
    expect(linkUrl?.origin).toBe(new URL(platform.endpoints.stripeUrl).origin);

    nowMs += 2 * DAY_MS;
    const day8 = await openOnboardingLink(deps, owner, first);
    expect(day8).toMatchObject({ outcome: 'expired' });

    await startOnboarding(deps, owner);
    const renewed = lastLinkToken();
    expect(renewed).not.toBe(first);
    expect((await openOnboardingLink(deps, owner, renewed)).outcome).toBe('redirect');
    expect(await openOnboardingLink(deps, owner, first)).toEqual({ outcome: 'invalid' });
    // Renewing keeps the one connected account.
    expect((await deps.store.account(owner.operatorId))?.state.accountId).toBe(accountId);
    expect((await stripe.accounts.retrieve(accountId)).metadata?.operatorId).toBe(owner.operatorId);
  });
});
