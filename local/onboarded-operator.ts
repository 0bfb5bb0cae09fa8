/**
 * An operator's connected account made in the Stripe emulator and recorded in the Connect store,
 * as the onboarding flow leaves it, without the invitation email and the onboarding pages: for the
 * seed's demo operator and for tests and benches that run paid sessions (a paid charger takes no
 * card before its operator has started onboarding, begin-payment.ts).
 *
 * `complete` finishes onboarding in the emulator too, so transfers go out at once; `started` leaves
 * the account waiting (transfers held). Safe to run again: an operator with an account is left alone.
 */
import { DynamoConnectStore } from '../shared/adapters/dynamodb/connect-store.js';
import type { TableContext } from '../shared/adapters/dynamodb/support.js';
import { createStripeClient } from '../shared/adapters/stripe/client.js';
import { StripeConnectGateway } from '../shared/adapters/stripe/connect-gateway.js';

export interface OnboardOperatorOptions {
  table: TableContext;
  stripeUrl: string;
  stripeSecretKey: string;
  operatorId: string;
  /** Upper case, as the operator keeps it. */
  currency: string;
  email: string;
  /** ISO 3166-1 alpha-2; GB unless said. */
  country?: string;
  onboarding?: 'complete' | 'started';
}

/** The operator's connected account id (the existing one when it has one). */
export async function onboardOperator(opts: OnboardOperatorOptions): Promise<string> {
  const store = new DynamoConnectStore(opts.table);
  const existing = await store.account(opts.operatorId);
  if (existing) return existing.state.accountId;
  const client = createStripeClient({ secretKey: opts.stripeSecretKey, apiUrl: opts.stripeUrl });
  const gateway = new StripeConnectGateway(async () => client);
  const created = await gateway.createAccount({
    operatorId: opts.operatorId,
    country: opts.country ?? 'GB',
    currency: opts.currency,
    businessType: 'company',
    email: opts.email,
    idempotencyKey: `connect-account:${opts.operatorId}`,
  });
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  // Recorded before onboarding completes, so the account.updated the emulator sends finds its operator.
  await store.createAccount({
    operatorId: opts.operatorId,
    state: created,
    stateAsOf: Math.floor(nowMs / 1000) - 1,
    createdAt: now,
    updatedAt: now,
  });
  if ((opts.onboarding ?? 'complete') === 'complete') {
    const res = await fetch(
      `${opts.stripeUrl}/_emulator/accounts/${encodeURIComponent(created.accountId)}/complete_onboarding`,
      { method: 'POST', headers: { authorization: `Bearer ${opts.stripeSecretKey}` } },
    );
    if (!res.ok)
      throw new Error(`the emulator did not complete onboarding: ${res.status} ${await res.text()}`);
    // Not left to the webhook's timing: the state is current when this returns.
    const state = await gateway.retrieveAccount(created.accountId);
    await store.saveState(opts.operatorId, state, Math.floor(Date.now() / 1000), new Date().toISOString());
  }
  return created.accountId;
}
