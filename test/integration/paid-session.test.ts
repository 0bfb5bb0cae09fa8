/**
 * The paid session through the embedded platform, as a driver and a charger live it: the start
 * page's API creates the hold through the real `stripe` SDK against the emulator, the card is
 * confirmed, the platform sends RemoteStartTransaction, the simulated charger starts, the driver
 * stops from the Transaction URL, the charge is finalised on the stream, captured, and the receipts
 * arrive in the SES inbox (aws-ses-v2-local, real SES API).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../../shared/adapters/dynamodb/connect-store.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { getItem } from '../../shared/adapters/dynamodb/support.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';
import { operatorApi } from '../fixtures/operator-api.js';
import {
  apiKeyOf,
  type PaidCharger,
  paidCharger,
  payWithCard,
  platformStripe,
} from '../fixtures/payments/platform.js';

interface Money {
  amountMinor: number;
  currency: string;
}
const gbp = (amountMinor: number): Money => ({ amountMinor, currency: 'GBP' });

const platform = inject('platform');
const chargers: PaidCharger[] = [];
afterAll(async () => {
  await Promise.all(chargers.map((c) => c.close()));
});

async function post(path: string, body?: unknown) {
  const res = await fetch(`${platform.endpoints.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON field by field.
  return { status: res.status, json: (await res.json()) as any };
}

async function status(token: string) {
  const res = await fetch(`${platform.endpoints.httpUrl}/t/${token}/status`);
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  return (await res.json()) as any;
}

async function shiftStripeClock(offsetSeconds: number) {
  const res = await fetch(`${platform.endpoints.stripeUrl}/_emulator/clock`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${platform.stripeSecretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `offset_seconds=${offsetSeconds}`,
  });
  expect(res.status).toBe(200);
}

/** The operator API with a fresh key of the operator's own. */
async function apiOf(operatorId: string) {
  return operatorApi(platform.endpoints.httpUrl, await apiKeyOf(platform, operatorId));
}

const mailTo = async (email: string) =>
  (await readInbox(platform.endpoints.sesUrl)).filter((m) => m.destination.to.includes(email));

async function begin(charger: PaidCharger, email: string) {
  const begun = await post('/api/drive/sessions', { chargerId: charger.chargerId, connectorId: 1, email });
  expect(begun.status).toBe(201);
  const json = begun.json as {
    token: string;
    clientSecret: string;
    sessionId: string;
    transactionUrl: string;
  };
  // What Stripe.js reads from the client secret: the PaymentIntent it belongs to.
  return { ...json, paymentIntentId: json.clientSecret.split('_secret_')[0] as string };
}

/** The card held, the session charging, stopped by the driver and completed (its charge final). */
async function chargeAndStop(begun: { paymentIntentId: string; token: string }) {
  await payWithCard(platform, begun.paymentIntentId);
  await post(`/t/${begun.token}/confirm`);
  await expect.poll(async () => (await status(begun.token)).status, { timeout: 10_000 }).toBe('charging');
  await post(`/t/${begun.token}/stop`);
  await expect
    .poll(async () => (await status(begun.token)).status, { timeout: 30_000, interval: 250 })
    .toBe('completed');
}

/** A paid session charged, stopped and captured, with its transfer to the operator made. */
async function capturedAndTransferred(email: string) {
  const charger = await paidCharger(platform);
  chargers.push(charger);
  const begun = await begin(charger, email);
  await chargeAndStop(begun);
  const stripe = platformStripe(platform);
  await expect
    .poll(async () => (await stripe.transfers.list({ transfer_group: begun.sessionId })).data[0], {
      timeout: 10_000,
    })
    .toBeDefined();
  return { charger, begun, stripe };
}

describe('a paid session', () => {
  it('hold £30, charge £12.34: captured 1234, released 1766, pre-auth and transaction receipts', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const begun = await begin(charger, email);

    await payWithCard(platform, begun.paymentIntentId);
    const confirmed = await post(`/t/${begun.token}/confirm`);
    expect(confirmed.status).toBe(200);
    // The page's confirm and Stripe's webhook race to report the hold; one of them starts the charger.
    await expect.poll(() => charger.starts.length, { timeout: 10_000 }).toBe(1);

    await expect.poll(async () => (await status(begun.token)).status, { timeout: 10_000 }).toBe('charging');
    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(1);
    const [preAuth] = await mailTo(email);
    expect(preAuth?.subject).toContain('£30.00');
    expect(preAuth?.body.text).toContain(begun.transactionUrl);

    await charger.sendMeter(4000);
    const stopped = await post(`/t/${begun.token}/stop`);
    expect(stopped.status).toBe(200);
    await expect
      .poll(async () => (await status(begun.token)).status, { timeout: 30_000, interval: 250 })
      .toBe('completed');

    const final = await status(begun.token);
    expect(final.settlement).toMatchObject({ outcome: 'captured', capturedMinor: 1234, releasedMinor: 1766 });
    const pi = await platformStripe(platform).paymentIntents.retrieve(begun.paymentIntentId);
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 1234, capture_method: 'manual' });

    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(2);
    const receipt = (await mailTo(email)).find((m) => m !== preAuth && m.subject !== preAuth?.subject);
    expect(receipt?.body.text).toContain(begun.paymentIntentId);
    expect(receipt?.body.text).toContain('£12.34');
    expect(receipt?.body.text).toContain('£17.66');

    // The operator refunds £2.34 through its API (once the capture's transfer is recorded): its
    // transfer gives back its share, and the driver gets a refund receipt saying what stays charged.
    const refund = await apiOf(charger.operatorId);
    await expect
      .poll(
        async () =>
          (await refund('POST', `/sessions/${begun.sessionId}/refunds`, { amount: gbp(234) })).status,
        {
          timeout: 10_000,
        },
      )
      .toBe(201);
    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(3);
    const refundMail = (await mailTo(email)).find((m) => m.subject.startsWith('Refund of £2.34'));
    expect(refundMail?.body.text).toContain('£10.00'); // still charged: 1234 − 234
    expect(refundMail?.body.text).toContain(begun.paymentIntentId);
    // The console names the session by charger and transaction: £1.00 more that way.
    const more = await refund(
      'POST',
      `/chargers/${charger.chargerId}/transactions/${charger.transactions[0]}/refunds`,
      { amount: gbp(100) },
    );
    expect(more.status).toBe(201);
    expect(more.json).toMatchObject({ amount: gbp(100), refundedTotal: gbp(334), refundable: gbp(900) });
    // An amount in another currency is refused, and nothing is refunded.
    const inEuros = await refund('POST', `/sessions/${begun.sessionId}/refunds`, {
      amount: { amountMinor: 100, currency: 'EUR' },
    });
    expect(inEuros.status).toBe(400);
    expect(inEuros.json.error.code).toBe('currency_mismatch');
    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(4);
    const transfers = await platformStripe(platform).transfers.list({ transfer_group: begun.sessionId });
    expect(transfers.data).toHaveLength(1);
    expect(transfers.data[0]?.amount_reversed).toBeGreaterThan(0);

    // The session as the operator API shows it, in detail and in the list: its card payment with
    // the hold, the capture, what the refunds took back, and the platform's fee (the test platform
    // sets none: the transfer sent the whole capture).
    expect(transfers.data[0]?.amount).toBe(1234);
    const transactionId = charger.transactions[0];
    const expectedPayment = {
      method: 'card',
      state: 'partly-refunded',
      sessionId: begun.sessionId,
      paymentIntentId: begun.paymentIntentId,
      hold: gbp(3000),
      captured: gbp(1234),
      released: gbp(1766),
      refunded: gbp(334),
      refundable: gbp(900),
      platformFee: gbp(0),
    };
    const detail = await refund('GET', `/chargers/${charger.chargerId}/transactions/${transactionId}`);
    expect(detail.status).toBe(200);
    expect(detail.json.transaction.payment).toEqual(expectedPayment);
    const list = await refund('GET', '/transactions?limit=5');
    expect(
      list.json.items.find((t: { transactionId: number }) => t.transactionId === transactionId)?.payment,
    ).toEqual(expectedPayment);
  });

  it('refunds sent at once whose sum exceeds the capture: only those that fit are made, reversed to the penny', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger, `driver-${randomUUID().slice(0, 8)}@example.com`);
    await chargeAndStop(begun);
    const stripe = platformStripe(platform);
    const transferOf = async () => (await stripe.transfers.list({ transfer_group: begun.sessionId })).data[0];
    await expect.poll(transferOf, { timeout: 10_000 }).toBeDefined();

    // Captured 1234; these add up to 1650, so some must be refused, whichever the table takes first.
    const amounts = [500, 400, 300, 200, 150, 100];
    const refund = await apiOf(charger.operatorId);
    const answers = await Promise.all(
      amounts.map((amount) =>
        refund('POST', `/sessions/${begun.sessionId}/refunds`, { amount: gbp(amount) }),
      ),
    );
    const made = answers
      .filter((a) => a.status === 201)
      .map((a) => {
        const r = a.json as { refundId: string; amount: Money; reversed: Money };
        return { refundId: r.refundId, amount: r.amount.amountMinor, reversed: r.reversed.amountMinor };
      });
    const refused = amounts.filter((_, i) => answers[i]?.status !== 201);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect(answer.status).toBe(409);
      expect(answer.json.error.code).toBe('refund_too_large');
    }
    const refundedMinor = made.reduce((sum, r) => sum + r.amount, 0);
    expect(refundedMinor).toBeLessThanOrEqual(1234);
    expect(refused.length).toBeGreaterThan(0);
    // Each refused one could not fit beside those made.
    for (const amount of refused) expect(amount).toBeGreaterThan(1234 - refundedMinor);

    const atStripe = await stripe.refunds.list({ payment_intent: begun.paymentIntentId, limit: 100 });
    expect(atStripe.data.map((r) => r.amount).sort()).toEqual(made.map((r) => r.amount).sort());
    expect((await stripe.paymentIntents.retrieve(begun.paymentIntentId)).amount_received).toBe(1234);
    const transfer = await transferOf();
    const reversals = transfer?.reversals.data ?? [];
    // One reversal per refund made, for the share the API answered, named by the refund.
    expect(reversals.map((r) => `${r.metadata?.refundId}:${r.amount}`).sort()).toEqual(
      made.map((r) => `${r.refundId}:${r.reversed}`).sort(),
    );
    expect(transfer?.amount_reversed).toBe(made.reduce((sum, r) => sum + r.reversed, 0));
  });

  it('a refund sent again with its Idempotency-Key gets the first answer and refunds nothing twice', async () => {
    const { charger, begun, stripe } = await capturedAndTransferred(
      `driver-${randomUUID().slice(0, 8)}@example.com`,
    );
    const api = await apiOf(charger.operatorId);
    const path = `/sessions/${begun.sessionId}/refunds`;
    const key = { 'idempotency-key': `refund-${randomUUID()}` };

    const first = await api('POST', path, { amount: gbp(300) }, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The answer was lost; the caller sends the same refund again, twice at once.
    const again = await Promise.all([1, 2].map(() => api('POST', path, { amount: gbp(300) }, key)));
    for (const a of again) {
      expect(a.status).toBe(201);
      expect(a.headers.get('idempotent-replayed')).toBe('true');
      expect(a.json).toEqual(first.json);
    }
    // The same key on another refund is refused, and refunds nothing.
    const other = await api('POST', path, { amount: gbp(200) }, key);
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_key_reused');
    const bad = await api('POST', path, { amount: gbp(200) }, { 'idempotency-key': '' });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_parameter']);

    // A refused request frees its key: too large, then the corrected one with the same key is made.
    const key2 = { 'idempotency-key': `refund-${randomUUID()}` };
    const tooLarge = await api('POST', path, { amount: gbp(5000) }, key2);
    expect([tooLarge.status, tooLarge.json.error.code]).toEqual([409, 'refund_too_large']);
    const second = await api('POST', path, { amount: gbp(100) }, key2);
    expect(second.status).toBe(201);
    expect(second.json.refundedTotal).toEqual(gbp(400));

    const atStripe = await stripe.refunds.list({ payment_intent: begun.paymentIntentId, limit: 100 });
    expect(atStripe.data.map((r) => r.amount).sort()).toEqual([100, 300]);
  });

  it('a refund reserved and never finished by its request: the payments sweeper makes it, once, and the driver hears', async () => {
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const { begun, stripe } = await capturedAndTransferred(email);
    // What a refund request leaves when Stripe failed under it and nobody sent it again: the
    // reservation (abandoned, so free at once), made through the store as the request makes it.
    const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
    const store = new DynamoConnectStore({ doc, tableName: platform.tableName });
    const read = await store.transfer(begun.sessionId);
    expect(read).toMatchObject({ grossMinor: 1234, refundedMinor: 0 });
    const claim = { offsetMinor: 0, amountMinor: 321, claimedAtMs: Date.now() };
    expect(await store.reserveRefund(read as NonNullable<typeof read>, claim)).toBe('reserved');
    await store.abandonRefund(begun.sessionId, claim);

    await expect
      .poll(async () => (await store.transfer(begun.sessionId))?.refundedMinor, {
        timeout: 15_000,
        interval: 250,
      })
      .toBe(321);
    const atStripe = await stripe.refunds.list({ payment_intent: begun.paymentIntentId, limit: 100 });
    expect(atStripe.data.map((r) => r.amount)).toEqual([321]);
    expect((await store.transfer(begun.sessionId))?.reversedMinor).toBeGreaterThan(0);
    await expect
      .poll(async () => (await mailTo(email)).some((m) => m.subject.startsWith('Refund of £3.21')), {
        timeout: 15_000,
      })
      .toBe(true);
    // With no claim left, a later run drops the transfer's mark.
    await expect
      .poll(
        async () =>
          (await getItem({ doc, tableName: platform.tableName }, keys.sessionTransfer(begun.sessionId)))
            ?.gsi4pk,
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toBeUndefined();
    expect(
      (await stripe.refunds.list({ payment_intent: begun.paymentIntentId, limit: 100 })).data,
    ).toHaveLength(1);
    doc.destroy();
  });

  it('a zero-energy session on an energy-only price: the hold is cancelled in full and a receipt says so', async () => {
    const charger = await paidCharger(platform, {
      tariff: (operatorId) =>
        aTariff({ id: 'energy', operatorId, elements: [{ components: [energy(45_500)] }] }),
    });
    chargers.push(charger);
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const begun = await begin(charger, email);
    await chargeAndStop(begun);
    expect((await status(begun.token)).settlement).toMatchObject({
      outcome: 'cancelled',
      capturedMinor: 0,
      releasedMinor: 3000,
    });
    const pi = await platformStripe(platform).paymentIntents.retrieve(begun.paymentIntentId);
    expect(pi.status).toBe('canceled');
    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(2);
    const receipt = (await mailTo(email)).find((m) => !m.subject.includes('held'));
    expect(receipt?.body.text).toContain('£0.00');
    expect(receipt?.body.text).toContain('£30.00');
  });

  it('cancel before the car starts: the hold is cancelled at once and a cancellation receipt is sent', async () => {
    const charger = await paidCharger(platform, { answerRemoteStart: 'Accepted' });
    chargers.push(charger);
    // The car never draws: the charger accepts RemoteStart but its StartTransaction is held back.
    charger.client.handle('RemoteStartTransaction', async () => ({ status: 'Accepted' }));
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const begun = await begin(charger, email);
    await payWithCard(platform, begun.paymentIntentId);
    await post(`/t/${begun.token}/confirm`);
    expect((await status(begun.token)).status).toBe('waiting-for-car');
    const cancelled = await post(`/t/${begun.token}/cancel`);
    expect(cancelled.status).toBe(200);
    const pi = await platformStripe(platform).paymentIntents.retrieve(begun.paymentIntentId);
    expect(pi).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    await expect
      .poll(async () => (await mailTo(email)).map((m) => m.subject).join(' | '), { timeout: 10_000 })
      .toMatch(/released/);
  });

  it('a declined card: a clear message, no session started, nothing held', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger, `driver-${randomUUID().slice(0, 8)}@example.com`);
    await payWithCard(platform, begun.paymentIntentId, 'pm_card_chargeDeclined');
    const confirmed = await post(`/t/${begun.token}/confirm`);
    expect(confirmed.json).toMatchObject({
      outcome: 'not-held',
      paymentError: { code: expect.stringMatching(/decline/) },
    });
    expect(charger.starts).toEqual([]);
    const pi = await platformStripe(platform).paymentIntents.retrieve(begun.paymentIntentId);
    expect(pi.amount_capturable).toBe(0);
  });

  it('an operator that has not started onboarding: the page says so, the API answers 409, no PaymentIntent', async () => {
    const charger = await paidCharger(platform, { onboarding: 'none' });
    chargers.push(charger);
    const page = await (await fetch(`${platform.endpoints.httpUrl}/c/${charger.chargerId}`)).text();
    expect(page).toContain('Card payment not set up yet');
    expect(page).not.toContain('We hold');
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const refused = await post('/api/drive/sessions', {
      chargerId: charger.chargerId,
      connectorId: 1,
      email,
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('charger_not_payable');
    const intents = await platformStripe(platform).paymentIntents.list({ limit: 100 });
    expect(intents.data.filter((pi) => pi.metadata.chargerId === charger.chargerId)).toEqual([]);
  });

  it('a hold one day from expiry: the running session is finalised, captured and stopped', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger, `driver-${randomUUID().slice(0, 8)}@example.com`);
    // The card was authorised 6 days and an hour ago: Stripe releases the hold in 23 hours.
    await shiftStripeClock(-(6 * 24 + 1) * 3600);
    try {
      await payWithCard(platform, begun.paymentIntentId);
    } finally {
      await shiftStripeClock(0);
    }
    await post(`/t/${begun.token}/confirm`);
    // Inside the last day of the hold the charge is final at once, on the data in hand.
    await expect
      .poll(async () => (await status(begun.token)).status, { timeout: 30_000, interval: 250 })
      .toBe('completed');
    expect((await status(begun.token)).settlement).toMatchObject({
      capturedMinor: 1234,
      releasedMinor: 1766,
    });
    // ...and the car is asked to stop: the charger reported StopTransaction for it.
    await expect.poll(async () => (await status(begun.token)).stoppedAt, { timeout: 10_000 }).toBeDefined();
  });

  it('a transaction its meter data cannot price: the hold is released, the session is set for review, a receipt says why', async () => {
    // The car never starts on its own: the transaction is stored as OCPP stored it before
    // StartTransaction refused negative readings (pricing flags it `pricing-input-invalid`).
    const charger = await paidCharger(platform, { startsTransaction: false });
    chargers.push(charger);
    const email = `driver-${randomUUID().slice(0, 8)}@example.com`;
    const begun = await begin(charger, email);
    await payWithCard(platform, begun.paymentIntentId);
    await post(`/t/${begun.token}/confirm`);
    await expect.poll(() => charger.starts.length, { timeout: 10_000 }).toBe(1);
    const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
    const transactions = new DynamoTransactionRepository({ doc, tableName: platform.tableName });
    const now = new Date().toISOString();
    await transactions.createStarted(
      {
        chargerId: charger.chargerId,
        transactionId: 1,
        operatorId: charger.operatorId,
        connectorId: 1,
        idTag: charger.starts[0] as string,
        idTagStatus: 'Accepted',
        meterStart: -5,
        startedAt: now,
        startMessageId: `poison-start-${randomUUID()}`,
        status: 'active',
        flags: [],
        createdAt: now,
        updatedAt: now,
      },
      undefined,
    );
    await expect.poll(async () => (await status(begun.token)).status, { timeout: 10_000 }).toBe('charging');
    const stoppedAt = new Date().toISOString();
    await transactions.recordStop(charger.chargerId, 1, {
      meterStop: 2_000,
      stoppedAt,
      stopReason: 'Local',
      stopMessageId: `poison-stop-${randomUUID()}`,
      receivedAt: stoppedAt,
    });
    doc.destroy();

    await expect
      .poll(async () => (await status(begun.token)).status, { timeout: 30_000, interval: 250 })
      .toBe('completed');
    expect(await status(begun.token)).toMatchObject({
      underReview: true,
      settlement: { outcome: 'cancelled', capturedMinor: 0, releasedMinor: 3000 },
    });
    const pi = await platformStripe(platform).paymentIntents.retrieve(begun.paymentIntentId);
    expect(pi.status).toBe('canceled');
    await expect
      .poll(async () => (await mailTo(email)).map((m) => m.subject).join(' | '), { timeout: 10_000 })
      .toMatch(/released/);
    const receipt = (await mailTo(email)).find((m) => m.subject.includes('released'));
    expect(receipt?.body.text).toContain('meter readings');
    expect(receipt?.body.text).toMatch(/nothing was charged/i);
  });

  it('a wrong or truncated token gets the same plain 404', async () => {
    const charger = await paidCharger(platform);
    chargers.push(charger);
    const begun = await begin(charger, `driver-${randomUUID().slice(0, 8)}@example.com`);
    const wrong = await fetch(`${platform.endpoints.httpUrl}/t/${begun.token.slice(0, -2)}xy/status`);
    const truncated = await fetch(`${platform.endpoints.httpUrl}/t/${begun.token.slice(0, 20)}/status`);
    expect(wrong.status).toBe(404);
    expect(truncated.status).toBe(404);
    expect(await wrong.text()).toBe(await truncated.text());
  });
});
