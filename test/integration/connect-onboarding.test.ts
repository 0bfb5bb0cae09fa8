/**
 * Onboarding an operator to Stripe Connect end to end, through the HTTP server, DynamoDB Local,
 * ses-local and the Stripe emulator: the owner signs in (password + TOTP), asks for onboarding, gets
 * the platform's own link by email, which (signed in) redirects to a fresh Account Link; refresh_url
 * mints another; finishing onboarding in the emulator sends a signed `account.updated` to the
 * Connect endpoint, which keeps the account's state; return_url shows what is due, then "set up".
 * The 7-day expiry is pinned with a fake clock in connect-invitation-expiry.test.ts (these same parts)
 * and test/unit/connect/onboarding.test.ts.
 */
import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { createSesClient } from '../../shared/adapters/ses/client.js';
import { createSesMailer } from '../../shared/adapters/ses/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { systemClock } from '../../shared/ports/clock.js';
import { uniqueId } from '../fixtures/contracts/ids.js';

const platform = inject('platform');
const { httpUrl, sesUrl, dynamoEndpoint, stripeUrl } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const ses = createSesClient({ region: 'local', endpoint: sesUrl });
afterAll(() => {
  doc.destroy();
  ses.destroy();
});

const email = `${uniqueId('owner')}@connect.example`.toLowerCase();
const password = 'a long enough password';
let secret: string;
let cookie: string;
let csrfToken: string;

const code = (offsetSteps = 0) =>
  new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { res, json: text ? JSON.parse(text) : undefined };
}

type AccountAnswer = { account: Record<string, unknown> | null };

const get = (path: string, withCookie = true) =>
  fetch(path.startsWith('http') ? path : `${httpUrl}${path}`, {
    redirect: 'manual',
    headers: withCookie ? { cookie } : {},
  });

beforeAll(async () => {
  const t = { doc, tableName: platform.tableName };
  await createOperator(
    {
      operators: new DynamoOperatorRegistry(t),
      users: new DynamoUserStore(t),
      mailer: createSesMailer({ client: ses, defaultFrom: 'receipts@ev-platform.local' }),
      clock: systemClock,
      publicBaseUrl: httpUrl,
    },
    { name: 'Connect Arms', email, kind: 'public' },
  );
  const invitation = (await readInbox(sesUrl)).find((m) => m.destination.to.includes(email));
  const link = /(http\S+\/console\/accept\?token=[A-Za-z0-9_-]+)/.exec(invitation?.body.text ?? '')?.[1];
  if (!link) throw new Error('no invitation link in the inbox');
  secret = /name="totpSecret" value="([A-Z2-7]+)"/.exec(await (await fetch(link)).text())?.[1] ?? '';
  const token = new URL(link).searchParams.get('token');
  const accepted = await post('/api/v1/auth/accept-invite', {
    token,
    password,
    totpSecret: secret,
    totpCode: code(),
  });
  expect(accepted.res.status, JSON.stringify(accepted.json)).toBe(201);
  const begun = await post('/api/v1/auth/sign-in', { email, password });
  const done = await post('/api/v1/auth/second-factor', {
    challenge: begun.json.challenge,
    method: 'totp',
    code: code(1),
  });
  expect(done.res.status, JSON.stringify(done.json)).toBe(200);
  cookie = done.res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  csrfToken = done.json.csrfToken;
});

describe('Connect onboarding', () => {
  let onboardLink: string;
  let accountId: string;

  it('creates the account and emails the owner the platform’s own link, not a Stripe URL', async () => {
    const started = await post('/api/v1/payments/onboarding', {}, { cookie, 'x-csrf-token': csrfToken });
    expect(started.res.status, JSON.stringify(started.json)).toBe(202);
    expect(started.json).toMatchObject({
      invitation: 'sent',
      email,
      accountId: expect.stringMatching(/^acct_/),
    });
    accountId = started.json.accountId;
    const mail = (await readInbox(sesUrl)).filter((m) => m.destination.to.includes(email)).at(-1);
    onboardLink = /(http\S+\/connect\/onboard\/[A-Za-z0-9_-]{43})/.exec(mail?.body.text ?? '')?.[1] ?? '';
    expect(onboardLink.startsWith(httpUrl)).toBe(true);
    expect(mail?.body.text).not.toContain(stripeUrl);
    const state = (await (await get('/api/v1/payments/account')).json()) as AccountAnswer;
    expect(state.account).toMatchObject({ accountId, canReceiveTransfers: false, detailsSubmitted: false });
  });

  it('sends a visitor without a session to sign in and back', async () => {
    const res = await get(onboardLink, false);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/connect/sign-in?next=${encodeURIComponent(new URL(onboardLink).pathname)}`,
    );
  });

  it('redirects a signed-in owner to a fresh Account Link; refresh_url mints another', async () => {
    const opened = await get(onboardLink);
    expect(opened.status).toBe(303);
    const first = opened.headers.get('location') ?? '';
    expect(first.startsWith(`${stripeUrl}/connect/onboarding/`)).toBe(true);
    const refreshed = await get('/connect/refresh');
    expect(refreshed.status).toBe(303);
    const second = refreshed.headers.get('location') ?? '';
    expect(second.startsWith(`${stripeUrl}/connect/onboarding/`)).toBe(true);
    expect(second).not.toBe(first);
    const unfinished = await get('/connect/return');
    expect(unfinished.status).toBe(200);
    expect(await unfinished.text()).toContain('Almost there');
  });

  it('keeps the account current from the signed account.updated on the Connect endpoint', async () => {
    const res = await fetch(`${stripeUrl}/_emulator/accounts/${accountId}/complete_onboarding`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => ((await (await get('/api/v1/payments/account')).json()) as AccountAnswer).account, {
        timeout: 15_000,
      })
      .toMatchObject({
        canReceiveTransfers: true,
        chargesEnabled: true,
        payoutsEnabled: true,
        requirementsDue: [],
      });
    const finished = await get('/connect/return');
    expect(await finished.text()).toContain("You're set up");
  });
});
