/**
 * The operator API as an operator's integration uses it: service rates are validated before they
 * are stored, and commands reach a connected charger and come back with its answer.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { RPCClient } from 'ocpp-rpc';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO } from '../../local/seed.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { PAYMENT_INTENT_EVENTS_ACTED_ON } from '../../shared/app/payments/payment-events.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const db = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const api = operatorApi(httpUrl, DEMO.apiKey);

const validTariff = {
  name: 'Residents',
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 500 }] }],
};

describe('service rates', () => {
  it('refuses an invalid tariff with every problem named, and stores nothing', async () => {
    const res = await api('PUT', '/tariffs/broken', {
      ...validTariff,
      currency: 'pounds',
      elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: -1, taxRateBp: 20_000 }] }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_tariff');
    expect(res.json.error.message).toContain('currency');
    expect(res.json.error.message).toContain('priceMilliMinor must not be negative');
    expect(res.json.error.message).toContain('taxRateBp must be at most 10000');
    expect((await api('GET', '/tariffs/broken')).status).toBe(404);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await api('PUT', '/tariffs/residents', '{not json');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('body_not_json');
  });

  it('stores a valid tariff under the caller operator whatever the body claims', async () => {
    const res = await api('PUT', '/tariffs/residents', { ...validTariff, operatorId: 'someone-else' });
    expect(res.status).toBe(200);
    expect(res.json.tariff).toMatchObject({ id: 'residents', operatorId: DEMO.operatorId });
    const stored = await db.send(
      new GetCommand({ TableName: platform.tableName, Key: keys.tariff(DEMO.operatorId, 'residents') }),
    );
    expect(stored.Item).toMatchObject({ name: 'Residents', operatorId: DEMO.operatorId });
    expect((await api('GET', '/tariffs/residents')).json.tariff.elements).toEqual(validTariff.elements);
  });
});

describe('commands to chargers', () => {
  let charger: RPCClient;
  const seen: { action: string; params: unknown }[] = [];

  beforeAll(async () => {
    charger = simulatedCharger({ ocppUrl, chargerId: DEMO.chargerId, password: DEMO.chargerPassword });
    charger.handle('ChangeAvailability', async ({ params }) => {
      seen.push({ action: 'ChangeAvailability', params });
      return { status: 'Accepted' };
    });
    charger.handle('GetConfiguration', async ({ params }) =>
      // A charger that reports thousands of keys when asked for all of them through a test key.
      (params as { key?: string[] }).key?.includes('EveryKey')
        ? {
            configurationKey: Array.from({ length: 2_000 }, (_, i) => ({ key: `K${i}`, readonly: true })),
            unknownKey: Array.from({ length: 400 }, (_, i) => `U${i}`),
          }
        : { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] },
    );
    await charger.connect();
  });

  afterAll(async () => {
    await charger.close({ force: true });
  });

  it('sends ChangeAvailability and returns the charger answer', async () => {
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, {
      action: 'ChangeAvailability',
      payload: { connectorId: 1, type: 'Inoperative' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'succeeded', result: { status: 'Accepted' } });
    expect(seen).toEqual([{ action: 'ChangeAvailability', params: { connectorId: 1, type: 'Inoperative' } }]);

    const again = await api(
      'GET',
      `/chargers/${DEMO.chargerId}/commands/${encodeURIComponent(res.json.callId)}`,
    );
    expect(again.status).toBe(200);
    expect(again.json.status).toBe('succeeded');
  });

  it('reports a session whose StartTransaction was lost, with its flag as a JSON array', async () => {
    const txId = 900_000 + Math.floor(Math.random() * 90_000);
    await charger.call('StopTransaction', {
      transactionId: txId,
      meterStop: 1000,
      timestamp: new Date().toISOString(),
    });
    const res = await api('GET', `/chargers/${DEMO.chargerId}/transactions/${txId}`);
    expect(res.status).toBe(200);
    // Flags are a DynamoDB string set, which has no JSON form of its own.
    expect(res.json.transaction.flags).toEqual(['start-missing']);
  });

  it('accepts the demo card whatever the case the charger sends it in (OCPP CiString20)', async () => {
    expect(await charger.call('Authorize', { idTag: DEMO.idTag.toLowerCase() })).toEqual({
      idTagInfo: { status: 'Accepted' },
    });
  });

  it('reads the configuration back', async () => {
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, { action: 'GetConfiguration' });
    expect(res.status).toBe(200);
    expect(res.json.result.configurationKey[0]).toMatchObject({ key: 'HeartbeatInterval', value: '300' });
  });

  it('keeps the first keys of a huge configuration answer, and says so', async () => {
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, {
      action: 'GetConfiguration',
      payload: { key: ['EveryKey'] },
    });
    expect(res.status).toBe(200);
    expect(res.json.result.configurationKey).toHaveLength(250);
    expect(res.json.result.configurationKey[249]).toEqual({ key: 'K249', readonly: true });
    expect(res.json.result.unknownKey).toHaveLength(250);
    expect(res.json.truncated).toBe(
      'configurationKey: the first 250 of 2000 kept; unknownKey: the first 250 of 400 kept',
    );
    const again = await api('GET', `/chargers/${DEMO.chargerId}/commands/${res.json.callId}`);
    expect(again.json.result.configurationKey).toHaveLength(250);
    expect(again.json.truncated).toBe(res.json.truncated);
  });

  it('refuses a command payload over 32 KB before anything reaches the charger', async () => {
    // Valid by the schema (it sets no limit on the keys asked for), but 50 KB of them.
    const key = Array.from({ length: 1_000 }, (_, i) =>
      `AConfigurationKeyNamedAtSomeLength${i}`.padEnd(48, 'x'),
    );
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, {
      action: 'GetConfiguration',
      payload: { key },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_body');
    expect(res.json.error.message).toContain('at most 32768 bytes');
  });

  it('refuses a payload the OCPP schema rejects, before anything reaches the charger', async () => {
    const before = seen.length;
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, {
      action: 'ChangeAvailability',
      payload: { connectorId: 'one', type: 'Sometimes' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_payload');
    expect(seen.length).toBe(before);
  });

  it('refuses an unknown action with the list of known ones', async () => {
    const res = await api('POST', `/chargers/${DEMO.chargerId}/commands`, { action: 'SelfDestruct' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('RemoteStartTransaction');
  });

  it('reports a charger that is not connected as 409 charger_offline', async () => {
    // The operator's own charger, registered but never connected (an unknown id is a 404 instead).
    const chargerId = `OFFLINE-${Date.now()}`;
    const registered = await api('POST', '/chargers', {
      chargerId,
      password: 'a-password-of-20-chars',
      accessMode: 'public',
      paid: false,
    });
    expect(registered.status).toBe(201);
    const offline = await api('POST', `/chargers/${chargerId}/commands`, { action: 'ClearCache' });
    expect(offline.status).toBe(409);
    expect(offline.json.error.code).toBe('charger_offline');
  });
});

describe('Stripe webhook deliveries', () => {
  it('records a signed event once and reports a redelivery as a duplicate', async () => {
    const stripe = new Stripe('sk_test_unused');
    const id = `evt_it_${Date.now()}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.amount_capturable_updated',
      created: 1_790_000_000,
      data: { object: { id: 'pi_it_1', object: 'payment_intent' } },
    });
    const deliver = async () => {
      const header = stripe.webhooks.generateTestHeaderString({
        payload,
        secret: platform.stripeWebhookSecret,
      });
      const res = await fetch(`${httpUrl}/stripe/webhook`, {
        method: 'POST',
        headers: { 'stripe-signature': header, 'content-type': 'application/json' },
        body: payload,
      });
      return { status: res.status, body: (await res.json()) as { outcome: string } };
    };
    expect(await deliver()).toEqual({ status: 200, body: { received: true, outcome: 'recorded' } });
    expect(await deliver()).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
    const stored = await db.send(
      new GetCommand({ TableName: platform.tableName, Key: keys.stripeEvent(id) }),
    );
    expect(stored.Item).toMatchObject({ eventId: id, objectId: 'pi_it_1' });
  });

  it('receives the events the Stripe emulator sends for a real PaymentIntent', async () => {
    const url = new URL(platform.endpoints.stripeUrl);
    const stripe = new Stripe(platform.stripeSecretKey, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
    });
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'gbp',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(intent.status).toBe('requires_capture');
    const events = await stripe.events.list({ limit: 20 });
    const ofIntent = events.data.filter((e) => (e.data.object as { id?: string }).id === intent.id);
    // The platform endpoint subscribes only to the events the platform acts on (payment-events.ts).
    const actedOn = new Set<string>(PAYMENT_INTENT_EVENTS_ACTED_ON);
    const subscribed = ofIntent.filter((e) => actedOn.has(e.type));
    const others = ofIntent.filter((e) => !actedOn.has(e.type));
    expect(subscribed.map((e) => e.type)).toContain('payment_intent.amount_capturable_updated');
    expect(others.map((e) => e.type)).toContain('payment_intent.created');
    for (const event of subscribed) {
      await expect
        .poll(
          async () =>
            (
              await db.send(
                new GetCommand({ TableName: platform.tableName, Key: keys.stripeEvent(event.id) }),
              )
            ).Item,
          { message: `${event.type} ${event.id}`, timeout: 10_000 },
        )
        .toMatchObject({ eventId: event.id, type: event.type });
    }
    // The others are never sent to it (the emulator makes its deliveries when the event happens).
    const webhookUrl = `${platform.endpoints.httpUrl}/stripe/webhook`;
    for (const event of others) {
      const res = await fetch(
        `${platform.endpoints.stripeUrl}/_emulator/webhook_deliveries?event=${event.id}`,
        {
          headers: { authorization: `Bearer ${platform.stripeSecretKey}` },
        },
      );
      const deliveries = ((await res.json()) as { data: { url: string }[] }).data;
      expect(
        deliveries.filter((d) => d.url === webhookUrl),
        `${event.type} ${event.id}`,
      ).toEqual([]);
    }
  });
});
