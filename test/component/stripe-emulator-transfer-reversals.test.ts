/**
 * Transfer reversals through the real `stripe` SDK (`transfers.createReversal`): separate charges
 * and transfers take back part of a session's transfer when it is refunded, never more than is left.
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

describe('transfer reversals', () => {
  it('reverses part of a transfer back to the platform, keeps metadata, and refuses more than is left', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'GB',
      capabilities: { transfers: { requested: true } },
    });
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const payment = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await stripe.paymentIntents.capture(payment.id);
    const transfer = await stripe.transfers.create(
      {
        amount: 965,
        currency: 'gbp',
        destination: account.id,
        source_transaction: payment.latest_charge as string,
        transfer_group: 'session-1',
      },
      { idempotencyKey: 'transfer:session-1' },
    );

    const reversal = await stripe.transfers.createReversal(
      transfer.id,
      { amount: 386, metadata: { sessionId: 'session-1', refundId: 're_1' } },
      { idempotencyKey: 'reversal:session-1:0:400' },
    );
    expect(reversal).toMatchObject({ object: 'transfer_reversal', amount: 386, transfer: transfer.id });
    expect(reversal.metadata).toEqual({ sessionId: 'session-1', refundId: 're_1' });
    // The same key replays the same reversal: a retried refund reverses once.
    const replay = await stripe.transfers.createReversal(
      transfer.id,
      { amount: 386, metadata: { sessionId: 'session-1', refundId: 're_1' } },
      { idempotencyKey: 'reversal:session-1:0:400' },
    );
    expect(replay.id).toBe(reversal.id);
    expect((await stripe.transfers.retrieve(transfer.id)).amount_reversed).toBe(386);

    const tooMuch = await stripeFailure(() => stripe.transfers.createReversal(transfer.id, { amount: 580 }));
    expect(tooMuch.statusCode).toBe(400);
    const rest = await stripe.transfers.createReversal(transfer.id);
    expect(rest.amount).toBe(579);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({
      amount_reversed: 965,
      reversed: true,
    });
  });
});
