/**
 * Connect through the real `stripe` SDK: Express accounts, hosted onboarding via Account Links,
 * transfers refused before onboarding and accepted after, balances, payouts, destination charges.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { emulatorHelper, stripeClient, stripeFailure } from '../fixtures/stripe/emulator.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = stripeClient(emulator);
});

afterAll(async () => {
  await emulator.stop();
});

const expressAccount = (email = 'operator@example.com') =>
  stripe.accounts.create({
    type: 'express',
    country: 'GB',
    email,
    capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
    business_profile: { name: 'The Red Lion', product_description: 'EV charging' },
    metadata: { operatorId: 'op-1' },
  });

/** Follows the Account Link as the operator's browser would and submits the onboarding form. */
async function onboardThroughLink(accountId: string): Promise<string> {
  const link = await stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    refresh_url: 'https://platform.example/onboarding/refresh',
    return_url: 'https://platform.example/onboarding/done',
  });
  const form = await fetch(link.url);
  expect(form.status).toBe(200);
  expect(await form.text()).toContain('Complete onboarding');
  const submitted = await fetch(link.url, { method: 'POST', redirect: 'manual' });
  expect(submitted.status).toBe(303);
  expect(submitted.headers.get('location')).toBe('https://platform.example/onboarding/done');
  return link.url;
}

function amountIn(balance: { amount: number; currency: string }[], currency: string): number {
  return balance.find((b) => b.currency === currency)?.amount ?? 0;
}

describe('Express accounts and onboarding', () => {
  it('starts restricted, with requirements due', async () => {
    const account = await expressAccount();
    expect(account.id).toMatch(/^acct_/);
    expect(account.type).toBe('express');
    expect(account.country).toBe('GB');
    expect(account.default_currency).toBe('gbp');
    expect(account.email).toBe('operator@example.com');
    expect(account.charges_enabled).toBe(false);
    expect(account.payouts_enabled).toBe(false);
    expect(account.details_submitted).toBe(false);
    expect(account.requirements?.currently_due?.length).toBeGreaterThan(0);
    expect(account.capabilities?.transfers).toBe('inactive');
    expect(account.metadata).toEqual({ operatorId: 'op-1' });

    const fetched = await stripe.accounts.retrieve(account.id);
    expect(fetched.business_profile?.name).toBe('The Red Lion');
  });

  it('requires a capability for Express accounts', async () => {
    const error = await stripeFailure(() => stripe.accounts.create({ type: 'express', country: 'GB' }));
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('capabilities');
  });

  it('creates short-lived Account Links that point at the emulator', async () => {
    const account = await expressAccount();
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      refresh_url: 'https://platform.example/refresh',
      return_url: 'https://platform.example/return',
    });
    expect(link.object).toBe('account_link');
    expect(link.url.startsWith(`${emulator.url}/connect/onboarding/`)).toBe(true);
    expect(link.expires_at).toBeGreaterThan(link.created);

    const missing = await stripeFailure(() =>
      stripe.accountLinks.create({
        account: 'acct_missing',
        type: 'account_onboarding',
        return_url: 'https://x.example',
        refresh_url: 'https://x.example',
      }),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.code).toBe('resource_missing');
    expect(missing.param).toBe('account');
  });

  it('enables the account when onboarding completes, and a used link sends to refresh_url', async () => {
    const account = await expressAccount();
    const url = await onboardThroughLink(account.id);

    const enabled = await stripe.accounts.retrieve(account.id);
    expect(enabled.details_submitted).toBe(true);
    expect(enabled.charges_enabled).toBe(true);
    expect(enabled.payouts_enabled).toBe(true);
    expect(enabled.capabilities).toEqual({ transfers: 'active', card_payments: 'active' });
    expect(enabled.requirements?.currently_due).toEqual([]);
    expect(enabled.external_accounts?.data).toHaveLength(1);

    const reused = await fetch(url, { redirect: 'manual' });
    expect(reused.status).toBe(302);
    expect(reused.headers.get('location')).toBe('https://platform.example/onboarding/refresh');

    const login = await stripe.accounts.createLoginLink(account.id);
    expect(login.object).toBe('login_link');
    expect(login.url.startsWith(`${emulator.url}/connect/express/`)).toBe(true);
    expect((await fetch(login.url)).status).toBe(200);
  });

  it('refuses a login link before onboarding', async () => {
    const account = await expressAccount();
    const error = await stripeFailure(() => stripe.accounts.createLoginLink(account.id));
    expect(error.statusCode).toBe(400);
  });

  it('updates, lists and deletes accounts', async () => {
    const account = await expressAccount('list-me@example.com');
    const updated = await stripe.accounts.update(account.id, { metadata: { tier: 'gold' } });
    expect(updated.metadata).toEqual({ operatorId: 'op-1', tier: 'gold' });
    const listed = await stripe.accounts.list({ limit: 100 });
    expect(listed.data.map((a) => a.id)).toContain(account.id);

    const deleted = await stripe.accounts.del(account.id);
    expect(deleted).toMatchObject({ id: account.id, deleted: true });
    const gone = await stripeFailure(() => stripe.accounts.retrieve(account.id));
    expect(gone.statusCode).toBe(404);
  });
});

describe('transfers, balances and payouts', () => {
  it('holds funds until onboarding, then transfers, settles and pays out', async () => {
    const account = await expressAccount();
    const platformBefore = await stripe.balance.retrieve();

    const payment = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await stripe.paymentIntents.capture(payment.id, { amount_to_capture: 8000 });
    const chargeId = payment.latest_charge as string;

    const platformAfterCapture = await stripe.balance.retrieve();
    expect(amountIn(platformAfterCapture.pending, 'gbp') - amountIn(platformBefore.pending, 'gbp')).toBe(
      8000,
    );

    const refused = await stripeFailure(() =>
      stripe.transfers.create({
        amount: 7000,
        currency: 'gbp',
        destination: account.id,
        source_transaction: chargeId,
      }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.code).toBe('insufficient_capabilities_for_transfer');

    await onboardThroughLink(account.id);

    const tooMuch = await stripeFailure(() =>
      stripe.transfers.create({
        amount: 8001,
        currency: 'gbp',
        destination: account.id,
        source_transaction: chargeId,
      }),
    );
    expect(tooMuch.statusCode).toBe(400);

    const transfer = await stripe.transfers.create({
      amount: 7000,
      currency: 'gbp',
      destination: account.id,
      source_transaction: chargeId,
      transfer_group: 'session-42',
      metadata: { payout: 'weekly' },
    });
    expect(transfer.id).toMatch(/^tr_/);
    expect(transfer.destination).toBe(account.id);
    expect(transfer.destination_payment).toMatch(/^py_/);
    expect((await stripe.transfers.retrieve(transfer.id)).amount).toBe(7000);
    expect((await stripe.transfers.list({ destination: account.id })).data.map((t) => t.id)).toEqual([
      transfer.id,
    ]);

    const platformAfterTransfer = await stripe.balance.retrieve();
    expect(amountIn(platformAfterTransfer.pending, 'gbp') - amountIn(platformBefore.pending, 'gbp')).toBe(
      1000,
    );

    const connected = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(amountIn(connected.pending, 'gbp')).toBe(7000);
    expect(amountIn(connected.available, 'gbp')).toBe(0);

    const early = await stripeFailure(() =>
      stripe.payouts.create({ amount: 5000, currency: 'gbp' }, { stripeAccount: account.id }),
    );
    expect(early.statusCode).toBe(400);
    expect(early.code).toBe('balance_insufficient');

    await emulatorHelper(emulator, '/_emulator/balance/settle', { account: account.id });
    const settled = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(amountIn(settled.available, 'gbp')).toBe(7000);
    expect(amountIn(settled.pending, 'gbp')).toBe(0);

    const payout = await stripe.payouts.create(
      { amount: 5000, currency: 'gbp' },
      { stripeAccount: account.id },
    );
    expect(payout.id).toMatch(/^po_/);
    expect(payout.status).toBe('pending');
    await emulator.flushWebhooks();
    const paid = await stripe.payouts.retrieve(payout.id, undefined, { stripeAccount: account.id });
    expect(paid.status).toBe('paid');
    const notOnPlatform = await stripeFailure(() => stripe.payouts.retrieve(payout.id));
    expect(notOnPlatform.statusCode).toBe(404);

    const afterPayout = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(amountIn(afterPayout.available, 'gbp')).toBe(2000);
    const payouts = await stripe.payouts.list({ limit: 10 }, { stripeAccount: account.id });
    expect(payouts.data.map((p) => p.id)).toEqual([payout.id]);
    const txns = await stripe.balanceTransactions.list({ limit: 10 }, { stripeAccount: account.id });
    expect(txns.data.map((t) => [t.type, t.amount])).toEqual([
      ['payout', -5000],
      ['payment', 7000],
    ]);
  });

  it('refuses a transfer from the available balance when it is too low', async () => {
    const account = await expressAccount();
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const error = await stripeFailure(() =>
      stripe.transfers.create({ amount: 99_999_999, currency: 'gbp', destination: account.id }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('balance_insufficient');
  });

  it('refuses payouts from an account that has not completed onboarding', async () => {
    const account = await expressAccount();
    const error = await stripeFailure(() =>
      stripe.payouts.create({ amount: 100, currency: 'gbp' }, { stripeAccount: account.id }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('payouts_not_allowed');
  });

  it('books a destination charge: transfer to the operator, application fee to the platform', async () => {
    const account = await expressAccount();
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const platformBefore = await stripe.balance.retrieve();

    const pi = await stripe.paymentIntents.create({
      amount: 4000,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      transfer_data: { destination: account.id },
      application_fee_amount: 500,
    });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.transfer).toMatch(/^tr_/);
    expect(charge.application_fee).toMatch(/^fee_/);

    const connected = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(amountIn(connected.pending, 'gbp')).toBe(2500);
    const platformAfter = await stripe.balance.retrieve();
    expect(amountIn(platformAfter.pending, 'gbp') - amountIn(platformBefore.pending, 'gbp')).toBe(500);

    const refund = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 1500,
      reverse_transfer: true,
    });
    expect(refund.status).toBe('succeeded');
    const reversed = await stripe.transfers.retrieve(charge.transfer as string);
    expect(reversed.amount_reversed).toBe(1500);
  });

  it('takes an application fee from a direct charge made with the Stripe-Account header', async () => {
    const account = await expressAccount();
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const platformBefore = await stripe.balance.retrieve();
    const pi = await stripe.paymentIntents.create(
      {
        amount: 2000,
        currency: 'gbp',
        payment_method: 'pm_card_visa',
        confirm: true,
        application_fee_amount: 300,
      },
      { stripeAccount: account.id },
    );
    expect(pi.status).toBe('succeeded');
    const onPlatform = await stripeFailure(() => stripe.paymentIntents.retrieve(pi.id));
    expect(onPlatform.statusCode).toBe(404);
    const connected = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(amountIn(connected.pending, 'gbp')).toBe(1700);
    const platformAfter = await stripe.balance.retrieve();
    expect(amountIn(platformAfter.pending, 'gbp') - amountIn(platformBefore.pending, 'gbp')).toBe(300);
  });

  it('refuses destination charges to accounts that cannot receive transfers', async () => {
    const account = await expressAccount();
    const error = await stripeFailure(() =>
      stripe.paymentIntents.create({
        amount: 4000,
        currency: 'gbp',
        transfer_data: { destination: account.id },
      }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('insufficient_capabilities_for_transfer');
  });

  it('makes funds available at once with pm_card_bypassPending', async () => {
    const before = await stripe.balance.retrieve();
    await stripe.paymentIntents.create({
      amount: 700,
      currency: 'gbp',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    const after = await stripe.balance.retrieve();
    expect(amountIn(after.available, 'gbp') - amountIn(before.available, 'gbp')).toBe(700);
  });
});
