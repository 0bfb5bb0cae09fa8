/**
 * Automatic payouts of connected accounts through the real `stripe` SDK: the daily schedule driven by the
 * emulator clock, `payout.paid` / `payout.failed` as signed connected-account events, and a payout's
 * contents from `GET /v1/balance_transactions?payout=` (with `Stripe-Account`), reversals included.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import {
  defined,
  emulatorHelper,
  startWebhookReceiver,
  stripeClient,
  stripeFailure,
  type WebhookReceiver,
} from '../fixtures/stripe/emulator.js';
import { offsetMs } from '../fixtures/time.js';

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
let webhookSecret: string;
/** The emulator's clock: tests move it forward by whole days. */
let nowMs = Date.now();

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0, clock: () => nowMs });
  stripe = stripeClient(emulator);
  receiver = await startWebhookReceiver();
  const endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url,
    connect: true,
    enabled_events: ['payout.created', 'payout.paid', 'payout.failed', 'payout.reconciliation_completed'],
  });
  webhookSecret = endpoint.secret ?? '';
});

afterAll(async () => {
  await emulator.stop();
  await receiver.close();
});

beforeEach(() => {
  receiver.received.length = 0;
});

/** Moves the emulator clock and lets it run what fell due (as its own clock helper does). */
async function advance(offset: string): Promise<void> {
  nowMs += offsetMs(offset);
  await emulatorHelper(emulator, '/_emulator/clock', { offset_seconds: '0' });
  await emulator.flushWebhooks();
}

async function onboardedAccount(): Promise<Stripe.Account> {
  const account = await stripe.accounts.create({
    type: 'express',
    country: 'GB',
    capabilities: { transfers: { requested: true } },
    business_profile: { name: 'The Red Lion' },
  });
  await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
  return stripe.accounts.retrieve(account.id);
}

/** A captured card payment on the platform and its transfer to `account`, as the platform makes one. */
async function sessionTransfer(account: string, capturedMinor: number, feeMinor: number) {
  const pi = await stripe.paymentIntents.create({
    amount: capturedMinor,
    currency: 'gbp',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  return stripe.transfers.create({
    amount: capturedMinor - feeMinor,
    currency: 'gbp',
    destination: account,
    source_transaction: pi.latest_charge as string,
    transfer_group: `session-${pi.id}`,
  });
}

function connectedEvents(account: string): Stripe.Event[] {
  return receiver.received
    .map((w) => stripe.webhooks.constructEvent(w.rawBody, w.signature, webhookSecret))
    .filter((event) => event.account === account);
}

async function allContents(account: string, payout: string): Promise<Stripe.BalanceTransaction[]> {
  const out: Stripe.BalanceTransaction[] = [];
  for await (const txn of stripe.balanceTransactions.list(
    { payout, limit: 2, expand: ['data.source'] },
    { stripeAccount: account },
  )) {
    out.push(txn);
  }
  return out;
}

describe('payout schedule', () => {
  it('puts new accounts on daily automatic payouts, and can be set to manual or weekly', async () => {
    const account = await onboardedAccount();
    expect(account.settings?.payouts?.schedule).toEqual({ delay_days: 2, interval: 'daily' });
    const weekly = await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'weekly', weekly_anchor: 'friday' } } },
    });
    expect(weekly.settings?.payouts?.schedule).toMatchObject({ interval: 'weekly', weekly_anchor: 'friday' });
    const manual = await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'manual' } } },
    });
    expect(manual.settings?.payouts?.schedule?.interval).toBe('manual');
  });

  it('pays out nothing on a manual schedule', async () => {
    const account = await onboardedAccount();
    await stripe.accounts.update(account.id, { settings: { payouts: { schedule: { interval: 'manual' } } } });
    await sessionTransfer(account.id, 2000, 200);
    await advance('+5d');
    expect((await stripe.payouts.list({}, { stripeAccount: account.id })).data).toEqual([]);
  });

  it('pays a weekly account out once in a week', async () => {
    const account = await onboardedAccount();
    await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'weekly', weekly_anchor: 'wednesday' } } },
    });
    await sessionTransfer(account.id, 2000, 200);
    await advance('+3d');
    await sessionTransfer(account.id, 3000, 300);
    await advance('+14d');
    const payouts = (await stripe.payouts.list({}, { stripeAccount: account.id })).data;
    for (const payout of payouts) expect(new Date(payout.created * 1000).getUTCDay()).toBe(3);
    expect(payouts.reduce((sum, p) => sum + p.amount, 0)).toBe(1800 + 2700);
  });
});

describe('automatic payouts', () => {
  it('sweeps the available balance at the first run after the funds become available', async () => {
    const account = await onboardedAccount();
    const transfer = await sessionTransfer(account.id, 5000, 600);

    await advance('+1d');
    expect((await stripe.payouts.list({}, { stripeAccount: account.id })).data).toEqual([]);

    await advance('+3d');
    const [payout, ...others] = (await stripe.payouts.list({}, { stripeAccount: account.id })).data;
    expect(others).toEqual([]);
    expect(payout).toMatchObject({ amount: 4400, currency: 'gbp', automatic: true, status: 'paid' });
    expect(payout?.reconciliation_status).toBe('completed');
    const balance = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(balance.available.find((b) => b.currency === 'gbp')?.amount).toBe(0);

    // Deliveries run concurrently: their arrival order is not the order of emission.
    const types = connectedEvents(account.id).map((e) => e.type);
    expect(types.sort()).toEqual(['payout.created', 'payout.paid', 'payout.reconciliation_completed']);
    const paid = connectedEvents(account.id).find((e) => e.type === 'payout.paid');
    expect((defined(paid, 'payout.paid').data.object as Stripe.Payout).id).toBe(payout?.id);

    const contents = await allContents(account.id, payout?.id ?? '');
    expect(contents.map((t) => [t.type, t.amount])).toEqual([
      ['payout', -4400],
      ['payment', 4400],
    ]);
    const payment = contents[1]?.source as Stripe.Charge;
    expect(payment.id).toMatch(/^py_/);
    expect(payment.source_transfer).toBe(transfer.id);
  });

  it('lists a reversal in the payout that sweeps it, with the refund leading to the transfer', async () => {
    const account = await onboardedAccount();
    const kept = await sessionTransfer(account.id, 3000, 300);
    const pi = await stripe.paymentIntents.create({
      amount: 4000,
      currency: 'gbp',
      payment_method: 'pm_card_visa',
      confirm: true,
      transfer_data: { destination: account.id },
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    await stripe.refunds.create({ payment_intent: pi.id, amount: 1500, reverse_transfer: true });
    const reversed = await stripe.transfers.retrieve(charge.transfer as string);
    expect(reversed.reversals.data[0]?.destination_payment_refund).toMatch(/^pyr_/);

    await advance('+4d');
    const [payout] = (await stripe.payouts.list({}, { stripeAccount: account.id })).data;
    expect(payout?.amount).toBe(2700 + 4000 - 1500);
    const contents = await allContents(account.id, payout?.id ?? '');
    const lines = contents.filter((t) => t.type !== 'payout');
    expect(lines.reduce((sum, t) => sum + t.net, 0)).toBe(payout?.amount);
    expect(contents.reduce((sum, t) => sum + t.amount, 0)).toBe(0);

    const refundLine = lines.find((t) => t.type === 'payment_refund');
    const refund = refundLine?.source as Stripe.Refund;
    expect(refund.id).toMatch(/^pyr_/);
    expect(refund.amount).toBe(1500);
    const refundedPayment = await stripe.charges.retrieve(refund.charge as string, undefined, {
      stripeAccount: account.id,
    });
    expect(refundedPayment.source_transfer).toBe(reversed.id);
    expect(refundedPayment.amount_refunded).toBe(1500);
    const sources = lines
      .filter((t) => t.type === 'payment')
      .map((t) => (t.source as Stripe.Charge).source_transfer);
    expect(sources.sort()).toEqual([kept.id, reversed.id].sort());
  });

  it('pages through a payout with many transactions, as the SDK auto-pagination does', async () => {
    const account = await onboardedAccount();
    const transfers = [];
    for (let i = 0; i < 5; i++) transfers.push(await sessionTransfer(account.id, 1000 + i * 100, 100));
    await advance('+4d');
    const [payout] = (await stripe.payouts.list({}, { stripeAccount: account.id })).data;
    const firstPage = await stripe.balanceTransactions.list(
      { payout: payout?.id ?? '', limit: 4 },
      { stripeAccount: account.id },
    );
    expect(firstPage.data).toHaveLength(4);
    expect(firstPage.has_more).toBe(true);
    const contents = await allContents(account.id, payout?.id ?? '');
    expect(contents).toHaveLength(6);
    expect(new Set(contents.map((t) => t.id)).size).toBe(6);
    expect(contents.filter((t) => t.type === 'payment').reduce((sum, t) => sum + t.amount, 0)).toBe(
      payout?.amount,
    );
  });

  it('refuses the filter for a manual payout or an unknown one, as Stripe does', async () => {
    const account = await onboardedAccount();
    await stripe.accounts.update(account.id, { settings: { payouts: { schedule: { interval: 'manual' } } } });
    await sessionTransfer(account.id, 2000, 0);
    await emulatorHelper(emulator, '/_emulator/balance/settle', { account: account.id });
    const manual = await stripe.payouts.create(
      { amount: 2000, currency: 'gbp' },
      { stripeAccount: account.id },
    );
    const manualError = await stripeFailure(() =>
      stripe.balanceTransactions.list({ payout: manual.id }, { stripeAccount: account.id }),
    );
    expect(manualError.statusCode).toBe(400);
    expect(manualError.param).toBe('payout');
    expect(manualError.message).toContain('automatic');
    const unknown = await stripeFailure(() =>
      stripe.balanceTransactions.list({ payout: 'po_missing' }, { stripeAccount: account.id }),
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.code).toBe('resource_missing');
  });

  it('fails a payout on request: payout.failed with the reason, the money back in the balance', async () => {
    const account = await onboardedAccount();
    await sessionTransfer(account.id, 2500, 500);
    await advance('+4d');
    const [payout] = (await stripe.payouts.list({}, { stripeAccount: account.id })).data;
    receiver.received.length = 0;

    await emulatorHelper(emulator, `/_emulator/payouts/${payout?.id}/fail`, {
      failure_code: 'account_frozen',
    });
    await emulator.flushWebhooks();
    const failed = await stripe.payouts.retrieve(payout?.id ?? '', undefined, { stripeAccount: account.id });
    expect(failed).toMatchObject({
      status: 'failed',
      failure_code: 'account_frozen',
      failure_message: 'The bank account has been frozen.',
    });
    const [event] = connectedEvents(account.id);
    expect(event?.type).toBe('payout.failed');
    expect((defined(event, 'payout.failed').data.object as Stripe.Payout).failure_code).toBe(
      'account_frozen',
    );
    const balance = await stripe.balance.retrieve(undefined, { stripeAccount: account.id });
    expect(balance.available.find((b) => b.currency === 'gbp')?.amount).toBe(2000);

    // The returned money goes out with the next run.
    await advance('+2d');
    const [next] = (await stripe.payouts.list({ status: 'paid' }, { stripeAccount: account.id })).data;
    expect(next?.amount).toBe(2000);
    const contents = await allContents(account.id, next?.id ?? '');
    expect(contents.map((t) => t.type).sort()).toEqual(['payout', 'payout_failure']);
  });
});
