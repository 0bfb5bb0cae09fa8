/**
 * Stripe's webhooks for a paid session, through the real endpoint: the emulator delivers its own
 * signed events as it changes state (racing the driver's page), and the test re-delivers real
 * events out of order, twice, and forged. State only moves forward and nothing happens twice.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type PaidCharger, paidCharger, payWithCard, platformStripe } from '../fixtures/payments/platform.js';

const platform = inject('platform');
const stripe = platformStripe(platform);
const chargers: PaidCharger[] = [];
afterAll(async () => {
  await Promise.all(chargers.map((c) => c.close()));
});

async function deliver(payload: string, secret = platform.stripeWebhookSecret, timestampSeconds?: number) {
  const header = stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }),
  });
  const res = await fetch(`${platform.endpoints.httpUrl}/stripe/webhook`, {
    method: 'POST',
    headers: { 'stripe-signature': header, 'content-type': 'application/json' },
    body: payload,
  });
  return { status: res.status, json: (await res.json()) as { outcome?: string; error?: { code: string } } };
}

async function begin(charger: PaidCharger) {
  const res = await fetch(`${platform.endpoints.httpUrl}/api/drive/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      chargerId: charger.chargerId,
      connectorId: 1,
      email: `d-${randomUUID().slice(0, 6)}@example.com`,
    }),
  });
  const json = (await res.json()) as { token: string; clientSecret: string };
  return { ...json, paymentIntentId: json.clientSecret.split('_secret_')[0] as string };
}

const statusOf = async (token: string) =>
  ((await (await fetch(`${platform.endpoints.httpUrl}/t/${token}/status`)).json()) as { status: string })
    .status;

/** How the emulator's delivery of an event to the platform's endpoint went. */
async function deliveryStatus(eventId: string): Promise<string | undefined> {
  const res = await fetch(`${platform.endpoints.stripeUrl}/_emulator/webhook_deliveries?event=${eventId}`, {
    headers: { authorization: `Bearer ${platform.stripeSecretKey}` },
  });
  const list = (await res.json()) as { data: { status: string }[] };
  return list.data.some((d) => d.status === 'succeeded') ? 'succeeded' : list.data[0]?.status;
}

/** The emulator's events about one PaymentIntent, oldest first, as Stripe stores them. */
async function eventsOf(paymentIntentId: string) {
  const all = await stripe.events.list({ limit: 100 });
  return all.data
    .filter((e) => (e.data.object as { id?: string }).id === paymentIntentId)
    .sort((a, b) => a.created - b.created);
}

describe('payment webhooks', () => {
  it('the hold reported by webhook alone starts the session once; replays and old events change nothing', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger);
    // No page confirm: only the emulator's own webhook tells the platform the card is held.
    await payWithCard(platform, begun.paymentIntentId);
    await expect.poll(() => statusOf(begun.token), { timeout: 10_000 }).toBe('charging');
    expect(charger.starts).toHaveLength(1);

    const events = await eventsOf(begun.paymentIntentId);
    const held = events.find((e) => e.type === 'payment_intent.amount_capturable_updated');
    const created = events.find((e) => e.type === 'payment_intent.created');
    expect(held).toBeDefined();
    expect(created).toBeDefined();
    // The emulator's own delivery is answered only after the platform acted on it (it waits for the
    // charger's answer to RemoteStart): replay once it is done, as Stripe's retry would.
    await expect.poll(() => deliveryStatus(held?.id ?? ''), { timeout: 15_000 }).toBe('succeeded');
    // Redelivered (Stripe retries), and an older event arriving last (Stripe does not order them).
    expect((await deliver(JSON.stringify(held))).json.outcome).toBe('duplicate');
    expect((await deliver(JSON.stringify(created))).status).toBe(200);
    expect(charger.starts).toHaveLength(1);
    expect(await statusOf(begun.token)).toBe('charging');
  });

  it('a forged signature is refused with 400 and changes nothing', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger);
    const forged = JSON.stringify({
      id: `evt_forged_${randomUUID()}`,
      object: 'event',
      type: 'payment_intent.amount_capturable_updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: begun.paymentIntentId, object: 'payment_intent', metadata: {} } },
    });
    const res = await deliver(forged, 'whsec_not_the_platform_secret');
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('signature_invalid');
    expect(charger.starts).toEqual([]);
    expect(await statusOf(begun.token)).toBe('awaiting-payment');
  });

  it('a signed event without an id is refused with 400, not retried as a 500', async () => {
    const payload = JSON.stringify({
      object: 'event',
      type: 'payment_intent.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `pi_${randomUUID()}`, object: 'payment_intent' } },
    });
    const res = await deliver(payload);
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('event_invalid');
  });

  it('a signed body that is not JSON is refused with 400', async () => {
    const res = await fetch(`${platform.endpoints.httpUrl}/stripe/webhook`, {
      method: 'POST',
      headers: {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({
          payload: '{not json',
          secret: platform.stripeWebhookSecret,
        }),
        'content-type': 'application/json',
      },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_not_json');
  });

  it.each([
    ['an hour in the future', 3600],
    ['six minutes in the future', 360],
    ['an hour in the past', -3600],
  ])('a signature dated %s is refused with 400 and changes nothing', async (_when, offsetSeconds) => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger);
    const event = JSON.stringify({
      id: `evt_skewed_${randomUUID()}`,
      object: 'event',
      type: 'payment_intent.amount_capturable_updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: begun.paymentIntentId, object: 'payment_intent', metadata: {} } },
    });
    const res = await deliver(
      event,
      platform.stripeWebhookSecret,
      Math.floor(Date.now() / 1000) + offsetSeconds,
    );
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toMatch(/^signature_/);
    expect(charger.starts).toEqual([]);
    expect(await statusOf(begun.token)).toBe('awaiting-payment');
  });

  it('a capture retried under the same idempotency key captures once', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger);
    await payWithCard(platform, begun.paymentIntentId);
    const first = await stripe.paymentIntents.capture(
      begun.paymentIntentId,
      { amount_to_capture: 1234 },
      { idempotencyKey: `capture-test-${begun.paymentIntentId}` },
    );
    const retry = await stripe.paymentIntents.capture(
      begun.paymentIntentId,
      { amount_to_capture: 1234 },
      { idempotencyKey: `capture-test-${begun.paymentIntentId}` },
    );
    expect(retry.id).toBe(first.id);
    expect(retry.amount_received).toBe(1234);
    const charges = await stripe.charges.list({ payment_intent: begun.paymentIntentId });
    expect(charges.data.map((c) => c.amount_captured)).toEqual([1234]);
  });
});
