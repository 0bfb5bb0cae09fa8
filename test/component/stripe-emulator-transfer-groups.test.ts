/**
 * Finding a session's transfer by its `transfer_group` (`GET /v1/transfers?transfer_group=`), through
 * the real `stripe` SDK and the platform's own adapter: what a release retried after Stripe forgot
 * its idempotency key relies on to record the transfer it made instead of making a second.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { StripeConnectGateway } from '../../shared/adapters/stripe/connect-gateway.js';
import { emulatorHelper, stripeClient } from '../fixtures/stripe/emulator.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = stripeClient(emulator);
});

afterAll(async () => {
  await emulator.stop();
});

async function capturedCharge(amount: number): Promise<string> {
  const payment = await stripe.paymentIntents.create({
    amount,
    currency: 'gbp',
    capture_method: 'manual',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  await stripe.paymentIntents.capture(payment.id);
  return payment.latest_charge as string;
}

describe('transfers by transfer_group', () => {
  it('lists only the group asked for, and the adapter reports what the transfer still sends', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'GB',
      capabilities: { transfers: { requested: true } },
    });
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const gateway = new StripeConnectGateway(async () => stripe);
    expect(await gateway.transferOfGroup('ps-group-a')).toBeUndefined();

    const mine = await stripe.transfers.create({
      amount: 900,
      currency: 'gbp',
      destination: account.id,
      source_transaction: await capturedCharge(1000),
      transfer_group: 'ps-group-a',
    });
    await stripe.transfers.create({
      amount: 450,
      currency: 'gbp',
      destination: account.id,
      source_transaction: await capturedCharge(500),
      transfer_group: 'ps-group-b',
    });
    const listed = await stripe.transfers.list({ transfer_group: 'ps-group-a' });
    expect(listed.data.map((t) => t.id)).toEqual([mine.id]);

    await stripe.transfers.createReversal(mine.id, { amount: 300 });
    expect(await gateway.transferOfGroup('ps-group-a')).toEqual({ transferId: mine.id, sentMinor: 600 });
  });
});
