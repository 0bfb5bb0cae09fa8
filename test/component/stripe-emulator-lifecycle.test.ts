/**
 * Stripe emulator lifecycle: an injected clock (holds expire after capture_before, funds become
 * available), JSON persistence across restarts, and a clear error when the port is taken.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { startWebhookReceiver, stripeClient } from '../fixtures/stripe/emulator.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('injected clock', () => {
  let now = Date.UTC(2026, 10, 2, 9, 0, 0);
  let emulator: StripeEmulator;
  let stripe: Stripe;

  beforeAll(async () => {
    emulator = await startStripeEmulator({ port: 0, clock: () => now });
    stripe = stripeClient(emulator);
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('stamps objects with the emulator time', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'gbp' });
    expect(pi.created).toBe(Math.floor(now / 1000));
  });

  it('releases an uncaptured hold once capture_before has passed', async () => {
    const receiver = await startWebhookReceiver();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['payment_intent.canceled', 'charge.expired'],
    });
    const pi = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    const captureBefore = charge.payment_method_details?.card?.capture_before ?? 0;
    expect(captureBefore).toBe(Math.floor(now / 1000) + 7 * 24 * 60 * 60);

    now += 6 * DAY_MS;
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');

    now += 2 * DAY_MS;
    const expired = await stripe.paymentIntents.retrieve(pi.id);
    expect(expired.status).toBe('canceled');
    expect(expired.cancellation_reason).toBe('automatic');
    const error = await stripe.paymentIntents.capture(pi.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as InstanceType<typeof Stripe.errors.StripeError>).code).toBe(
      'payment_intent_unexpected_state',
    );

    await emulator.flushWebhooks();
    // Signatures use the wall clock, so constructEvent's tolerance check passes despite the moved clock.
    const types = receiver.received.map(
      (r) => stripe.webhooks.constructEvent(r.rawBody, r.signature, endpoint.secret as string).type,
    );
    expect(types.sort()).toEqual(['charge.expired', 'payment_intent.canceled']);
    await stripe.webhookEndpoints.del(endpoint.id);
    await receiver.close();
  });

  it('makes captured funds available after the pending period', async () => {
    const gbp = (rows: Stripe.Balance.Available[]) => rows.find((r) => r.currency === 'gbp')?.amount ?? 0;
    const before = await stripe.balance.retrieve();
    await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'gbp',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const pending = await stripe.balance.retrieve();
    expect(gbp(pending.pending) - gbp(before.pending)).toBe(2000);

    now += 3 * DAY_MS;
    const later = await stripe.balance.retrieve();
    expect(gbp(later.available) - gbp(before.available)).toBe(2000 + gbp(before.pending));
    expect(gbp(later.pending)).toBe(0);
  });
});

describe('persistence', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stripe-emulator-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps objects across a restart', async () => {
    const persistFile = join(dir, 'state', 'stripe.json');
    const first = await startStripeEmulator({ port: 0, persistFile });
    const stripe1 = stripeClient(first);
    const account = await stripe1.accounts.create({
      type: 'express',
      country: 'GB',
      capabilities: { transfers: { requested: true } },
    });
    const pi = await stripe1.paymentIntents.create(
      {
        amount: 2500,
        currency: 'gbp',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
      },
      { idempotencyKey: 'persisted-key' },
    );
    await first.stop();

    const second = await startStripeEmulator({ port: 0, persistFile });
    try {
      const stripe2 = stripeClient(second);
      expect((await stripe2.accounts.retrieve(account.id)).id).toBe(account.id);
      const restored = await stripe2.paymentIntents.retrieve(pi.id);
      expect(restored.status).toBe('requires_capture');
      const replay = await stripe2.paymentIntents.create(
        {
          amount: 2500,
          currency: 'gbp',
          capture_method: 'manual',
          payment_method: 'pm_card_visa',
          confirm: true,
        },
        { idempotencyKey: 'persisted-key' },
      );
      expect(replay.id).toBe(pi.id);
      const captured = await stripe2.paymentIntents.capture(pi.id);
      expect(captured.status).toBe('succeeded');
    } finally {
      await second.stop();
    }
  });
});

describe('listening', () => {
  it('rejects with an error naming the port when it is in use', async () => {
    const first = await startStripeEmulator({ port: 0 });
    try {
      await expect(startStripeEmulator({ port: first.port })).rejects.toThrow(String(first.port));
    } finally {
      await first.stop();
    }
  });

  it('serves a health check and reports its url', async () => {
    const emulator = await startStripeEmulator({ port: 0 });
    try {
      expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
      const health = await fetch(`${emulator.url}/_emulator/health`);
      expect(await health.json()).toEqual({ object: 'emulator_health', ok: true });
    } finally {
      await emulator.stop();
    }
  });
});
