/**
 * Webhooks from the Stripe emulator to a real local HTTP receiver: endpoint management, events API,
 * signatures verified with `stripe.webhooks.constructEvent`, Connect routing, retries on failure.
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import {
  defined,
  emulatorHelper,
  startWebhookReceiver,
  stripeClient,
  type WebhookReceiver,
  webhookDeliveries,
} from '../fixtures/stripe/emulator.js';

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
let endpoints: string[] = [];

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0, webhookRetryDelaysMs: [20, 40, 80] });
  stripe = stripeClient(emulator);
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  for (const id of endpoints) await stripe.webhookEndpoints.del(id);
  endpoints = [];
  await emulator.flushWebhooks();
  await receiver.close();
});

async function endpoint(
  params: Partial<Stripe.WebhookEndpointCreateParams> = {},
): Promise<Stripe.WebhookEndpoint> {
  const created = await stripe.webhookEndpoints.create({
    url: receiver.url,
    enabled_events: ['*'],
    ...params,
  });
  endpoints.push(created.id);
  return created;
}

function verified(secret: string): Stripe.Event[] {
  return receiver.received.map((r) => stripe.webhooks.constructEvent(r.rawBody, r.signature, secret));
}

describe('webhook endpoints', () => {
  it('returns the signing secret once, lists and deletes endpoints', async () => {
    const created = await endpoint({ enabled_events: ['payment_intent.succeeded'], description: 'platform' });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(created.status).toBe('enabled');
    expect(created.enabled_events).toEqual(['payment_intent.succeeded']);

    const fetched = await stripe.webhookEndpoints.retrieve(created.id);
    expect(fetched.secret).toBeUndefined();
    expect((await stripe.webhookEndpoints.list()).data.map((e) => e.id)).toContain(created.id);

    const deleted = await stripe.webhookEndpoints.del(created.id);
    expect(deleted.deleted).toBe(true);
    endpoints = [];
    const error = await stripe.webhookEndpoints.retrieve(created.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('validates the url and events', async () => {
    const error = await stripe.webhookEndpoints
      .create({ url: 'ftp://nope', enabled_events: ['*'] })
      .catch((e: unknown) => e as Stripe.errors.StripeError);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as InstanceType<typeof Stripe.errors.StripeError>).param).toBe('url');
  });
});

describe('delivery', () => {
  it('delivers signed events that constructEvent verifies', async () => {
    const { secret } = await endpoint({
      enabled_events: [
        'payment_intent.created',
        'payment_intent.amount_capturable_updated',
        'payment_intent.succeeded',
        'charge.captured',
      ],
    });
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 4000 });
    await emulator.flushWebhooks();

    expect(receiver.received.every((r) => r.contentType.startsWith('application/json'))).toBe(true);
    expect(receiver.received.every((r) => /^t=\d+,v1=[0-9a-f]{64}$/.test(r.signature))).toBe(true);
    const events = verified(secret as string).filter(
      (e) => (e.data.object as { id?: string }).id === pi.id || e.type === 'charge.captured',
    );
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'charge.captured',
        'payment_intent.amount_capturable_updated',
        'payment_intent.created',
        'payment_intent.succeeded',
      ].sort(),
    );
    const succeeded = defined(
      events.find((e) => e.type === 'payment_intent.succeeded'),
      'payment_intent.succeeded event',
    );
    expect(succeeded.id).toMatch(/^evt_/);
    expect((succeeded.data.object as Stripe.PaymentIntent).amount_received).toBe(4000);
    expect(succeeded.account).toBeUndefined();

    const fromApi = await stripe.events.retrieve(succeeded.id);
    expect(fromApi.type).toBe('payment_intent.succeeded');
    expect(fromApi.pending_webhooks).toBe(0);
    const listed = await stripe.events.list({ type: 'payment_intent.succeeded', limit: 5 });
    expect(listed.data.map((e) => e.id)).toContain(succeeded.id);
  });

  it('rejects a tampered payload', async () => {
    const { secret } = await endpoint({ enabled_events: ['payment_intent.created'] });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'gbp' });
    await emulator.flushWebhooks();
    const [first] = receiver.received;
    expect(first).toBeDefined();
    const tampered = (first?.rawBody ?? '').replace('"amount": 1000', '"amount": 1');
    expect(() => stripe.webhooks.constructEvent(tampered, first?.signature ?? '', secret as string)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('sends connected-account events only to Connect endpoints, with `account` set', async () => {
    const platform = await endpoint({ enabled_events: ['account.updated', 'payout.created'] });
    const connect = await endpoint({
      enabled_events: ['account.updated', 'payout.created', 'payout.paid'],
      connect: true,
    });
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'GB',
      capabilities: { transfers: { requested: true } },
    });
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    await emulator.flushWebhooks();

    const deliveries = await webhookDeliveries(emulator, { endpoint: platform.id });
    expect(deliveries.data).toEqual([]);
    const events = verified(connect.secret as string);
    const updated = events.find((e) => e.type === 'account.updated');
    expect(updated?.account).toBe(account.id);
    const object = updated?.data.object as Stripe.Account;
    expect(object.charges_enabled).toBe(false);
    expect(object.payouts_enabled).toBe(true);
    expect(object.details_submitted).toBe(true);
    expect(updated?.data.previous_attributes).toMatchObject({
      details_submitted: false,
      payouts_enabled: false,
    });

    const scoped = await stripe.events.list({ type: 'account.updated' }, { stripeAccount: account.id });
    expect(scoped.data.map((e) => e.id)).toContain(updated?.id);
  });

  it('retries with backoff while the receiver fails, then records success', async () => {
    const { secret } = await endpoint({ enabled_events: ['payment_intent.created'] });
    receiver.respondWith([500, 503]);
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: 'gbp' });
    await emulator.flushWebhooks();

    const events = verified(secret as string);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    const event = defined(events[0], 'delivered event');
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(pi.id);

    const log = await webhookDeliveries(emulator, { event: event.id });
    expect(log.data).toHaveLength(1);
    expect(log.data[0]?.status).toBe('succeeded');
    expect(log.data[0]?.attempts.map((a) => a.status_code)).toEqual([500, 503, 200]);
    expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
  });

  it('gives up after the last retry and marks the delivery failed', async () => {
    const created = await endpoint({ enabled_events: ['payment_intent.created'] });
    receiver.respondWith([500, 500, 500, 500, 500]);
    const pi = await stripe.paymentIntents.create({ amount: 1300, currency: 'gbp' });
    await emulator.flushWebhooks();

    expect(receiver.received).toHaveLength(4);
    const log = await webhookDeliveries(emulator, { endpoint: created.id });
    expect(log.data).toHaveLength(1);
    expect(log.data[0]?.status).toBe('failed');
    expect(log.data[0]?.attempts.map((a) => a.status_code)).toEqual([500, 500, 500, 500]);
    const event = await stripe.events.retrieve(log.data[0]?.event ?? '');
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(event.pending_webhooks).toBe(1);
  });
});
