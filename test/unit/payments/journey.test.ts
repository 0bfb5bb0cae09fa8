import { describe, expect, it } from 'vitest';
import { beginPayment } from '../../../shared/app/payments/begin-payment.js';
import { bindTransaction } from '../../../shared/app/payments/bind-transaction.js';
import { cancelByDriver } from '../../../shared/app/payments/cancel-session.js';
import { captureFinalCharge } from '../../../shared/app/payments/capture-charge.js';
import { confirmHold } from '../../../shared/app/payments/confirm-hold.js';
import { handlePaymentIntentEvent } from '../../../shared/app/payments/payment-events.js';
import { sessionByToken, viewSession } from '../../../shared/app/payments/session-view.js';
import { stopByDriver } from '../../../shared/app/payments/stop-session.js';
import { sweepSessions } from '../../../shared/app/payments/sweep-sessions.js';
import { hashToken } from '../../../shared/app/payments/tokens.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

async function heldSession(world = paymentsWorld()) {
  const begun = await beginPayment(world.deps, {
    chargerId: 'CP-1',
    connectorId: 1,
    email: 'driver@example.com',
  });
  world.payments.confirm(begun.paymentIntentId, 'held');
  const session = await world.sessions.get(begun.sessionId);
  if (!session) throw new Error('session missing');
  const held = await confirmHold(world.deps, session);
  return { world, begun, held };
}

describe('beginning a paid session', () => {
  it('holds the operator pre-auth amount with a manual-capture intent and stores only the token hash', async () => {
    const world = paymentsWorld();
    const begun = await beginPayment(world.deps, {
      chargerId: 'CP-1',
      connectorId: 2,
      email: 'd@example.com',
    });
    expect(begun).toMatchObject({ amountMinor: 3000, currency: 'GBP', publishableKey: 'pk_test_fake' });
    expect(begun.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(begun.transactionUrl).toBe(`https://charge.example/t/${begun.token}`);
    const session = await world.sessions.get(begun.sessionId);
    expect(session).toMatchObject({
      status: 'awaiting-payment',
      connectorId: 2,
      tokenHash: hashToken(begun.token),
    });
    expect(JSON.stringify(session)).not.toContain(begun.token);
    expect(world.payments.intents.get(begun.paymentIntentId)?.metadata).toEqual({
      operatorId: 'op-1',
      chargerId: 'CP-1',
      connectorId: '2',
      sessionId: begun.sessionId,
    });
  });

  it.each([
    ['an unknown charger', { chargerId: 'NOPE', connectorId: 1 }, {}, 'PAY_CHARGER_NOT_FOUND'],
    [
      'a free charger',
      { chargerId: 'CP-1', connectorId: 1 },
      { charger: { paid: false } },
      'PAY_CHARGER_NOT_PAYABLE',
    ],
    [
      'a paid home charger (home chargers take no payment)',
      { chargerId: 'CP-1', connectorId: 1 },
      { charger: { accessMode: 'private' as const } },
      'PAY_CHARGER_NOT_PAYABLE',
    ],
    [
      'a paid closed-group charger (members only)',
      { chargerId: 'CP-1', connectorId: 1 },
      { charger: { accessMode: 'group' as const, groupIds: ['flats'] } },
      'PAY_CHARGER_NOT_PAYABLE',
    ],
    [
      'a pending charger',
      { chargerId: 'CP-1', connectorId: 1 },
      { charger: { registration: 'pending' as const } },
      'PAY_CHARGER_NOT_FOUND',
    ],
    ['connector 3 of 2', { chargerId: 'CP-1', connectorId: 3 }, {}, 'PAY_CONNECTOR_INVALID'],
    ['connector 0', { chargerId: 'CP-1', connectorId: 0 }, {}, 'PAY_CONNECTOR_INVALID'],
  ])('refuses %s with %s and holds nothing', async (_what, input, overrides, code) => {
    const world = paymentsWorld(overrides);
    await expect(beginPayment(world.deps, { ...input, email: 'd@example.com' })).rejects.toMatchObject({
      code,
    });
    expect(world.payments.intents.size).toBe(0);
    expect(world.sessions.sessions.size).toBe(0);
  });

  it('refuses a paid charger whose operator has not started onboarding, before any intent exists', async () => {
    const world = paymentsWorld({ onboarded: false });
    await expect(
      beginPayment(world.deps, { chargerId: 'CP-1', connectorId: 1, email: 'd@example.com' }),
    ).rejects.toMatchObject({
      code: 'PAY_CHARGER_NOT_PAYABLE',
      message: expect.stringMatching(/operator has not set up card payments/),
    });
    expect(world.payments.intents.size).toBe(0);
    expect(world.sessions.sessions.size).toBe(0);
  });

  it('refuses an offline charger before any card is asked for', async () => {
    const world = paymentsWorld();
    world.chargerPort.online = false;
    await expect(
      beginPayment(world.deps, { chargerId: 'CP-1', connectorId: 1, email: 'd@example.com' }),
    ).rejects.toMatchObject({ code: 'PAY_CHARGER_OFFLINE', message: expect.stringMatching(/offline/) });
    expect(world.payments.intents.size).toBe(0);
  });
});

describe('the hold', () => {
  it('starts the charger once, with the session idTag, and queues the pre-auth receipt once', async () => {
    const { world, begun, held } = await heldSession();
    expect(held.outcome).toBe('started');
    expect(world.chargerPort.starts).toEqual([
      { chargerId: 'CP-1', connectorId: 1, idTag: held.session.idTag },
    ]);
    expect(world.idTags.tags.get(`op-1#${held.session.idTag}`)).toMatchObject({ kind: 'driver' });
    // The webhook for the same hold arrives after the page already confirmed it: nothing twice.
    const again = await handlePaymentIntentEvent(world.deps, {
      type: 'payment_intent.amount_capturable_updated',
      paymentIntentId: begun.paymentIntentId,
      sessionId: begun.sessionId,
    });
    expect(again).toBe('nothing-to-do');
    expect(world.chargerPort.starts).toHaveLength(1);
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth']);
    expect((await world.sessions.get(begun.sessionId))?.status).toBe('starting');
  });

  it('a declined card records the error, starts nothing and holds nothing', async () => {
    const world = paymentsWorld();
    const begun = await beginPayment(world.deps, {
      chargerId: 'CP-1',
      connectorId: 1,
      email: 'd@example.com',
    });
    world.payments.confirm(begun.paymentIntentId, 'declined');
    const session = await world.sessions.get(begun.sessionId);
    const result = await confirmHold(world.deps, session!);
    expect(result.outcome).toBe('not-held');
    expect(result.session.paymentError).toEqual({
      code: 'card_declined',
      message: 'Your card was declined.',
    });
    expect(world.chargerPort.starts).toEqual([]);
    expect(world.outbox.items).toEqual([]);
    expect((await world.payments.getHold(begun.paymentIntentId)).amountCapturableMinor).toBe(0);
  });

  it('a charger that refuses RemoteStart gets the hold cancelled and a cancellation receipt', async () => {
    const world = paymentsWorld();
    world.chargerPort.answer = 'rejected';
    const { held, begun } = await heldSession(world);
    expect(held.outcome).toBe('charger-refused');
    expect(held.session).toMatchObject({ status: 'cancelled', cancelReason: 'charger-unavailable' });
    expect((await world.payments.getHold(begun.paymentIntentId)).status).toBe('canceled');
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
  });
});

describe('cancelling before charging', () => {
  it('cancels the hold at once, blocks the tag and queues the cancellation receipt', async () => {
    const { world, begun, held } = await heldSession();
    const cancelled = await cancelByDriver(world.deps, held.session);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'requested_by_customer' });
    const hold = await world.payments.getHold(begun.paymentIntentId);
    expect(hold).toMatchObject({ status: 'canceled', cancellationReason: 'requested_by_customer' });
    expect(world.idTags.tags.get(`op-1#${held.session.idTag}`)?.blocked).toBe(true);
    expect((await world.sessions.get(begun.sessionId))?.settlement).toMatchObject({
      outcome: 'cancelled',
      capturedMinor: 0,
      releasedMinor: 3000,
    });
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
  });

  it('after StartTransaction, Cancel is refused: the driver must Stop', async () => {
    const { world, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    const charging = await world.sessions.get(held.session.sessionId);
    await expect(cancelByDriver(world.deps, charging!)).rejects.toMatchObject({
      code: 'PAY_CHARGING_STARTED',
    });
  });

  it('no StartTransaction within the start timeout: cancelled as abandoned by the sweeper', async () => {
    const { world, begun } = await heldSession();
    world.clock.advance(299_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ abandoned: 0 });
    world.clock.advance(2_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ abandoned: 1, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'abandoned',
    });
    expect((await world.payments.getHold(begun.paymentIntentId)).cancellationReason).toBe('abandoned');
    expect(await sweepSessions(world.deps)).toEqual({
      abandoned: 0,
      released: 0,
      reviewed: 0,
      cleared: 0,
      failed: 0,
    });
  });

  it('a hold release that failed is retried by the sweeper, and Stripe cancels once', async () => {
    const { world, begun, held } = await heldSession();
    world.payments.failAfter = 'cancel';
    await expect(cancelByDriver(world.deps, held.session)).rejects.toThrow(/network error/);
    expect((await world.sessions.get(begun.sessionId))?.settlement).toBeUndefined();
    world.clock.advance(61_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ released: 1, failed: 0 });
    expect(world.payments.calls.filter((c) => c.op === 'cancel')).toHaveLength(1);
    expect((await world.sessions.get(begun.sessionId))?.settlement?.outcome).toBe('cancelled');
  });

  it('a StartTransaction that arrives after the cancel is stopped', async () => {
    const { world, held } = await heldSession();
    await cancelByDriver(world.deps, held.session);
    const outcome = await bindTransaction(world.deps, {
      chargerId: 'CP-1',
      transactionId: 9,
      idTag: held.session.idTag,
    });
    expect(outcome).toBe('start-after-cancel');
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 9 }]);
  });
});

describe('binding, stopping and capturing', () => {
  it('hold £30, charge £12.34: captures 1234, releases 1766, queues the transaction receipt once', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    expect(
      await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag }),
    ).toBe('bound');
    expect(world.transactions.holds.get('CP-1#7')).toEqual({
      preAuthAmountMinor: 3000,
      paymentSessionId: begun.sessionId,
      holdExpiresAt: expect.any(Number),
    });
    const charging = await world.sessions.get(begun.sessionId);
    expect(charging?.status).toBe('charging');
    await stopByDriver(world.deps, charging!);
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 7 }]);

    const event = {
      eventId: 'evt-CP-1-7',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 1234,
      stillRunning: false,
    };
    expect(await captureFinalCharge(world.deps, event)).toBe('captured');
    expect(await captureFinalCharge(world.deps, event)).toBe('already-settled');
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toEqual([
      { op: 'capture', paymentIntentId: begun.paymentIntentId, amountMinor: 1234 },
    ]);
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'completed',
      settlement: { outcome: 'captured', capturedMinor: 1234, releasedMinor: 1766, shortfallMinor: 0 },
    });
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'transaction']);
  });

  it('a zero charge cancels the hold instead of capturing', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    const outcome = await captureFinalCharge(world.deps, {
      eventId: 'e',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 0,
      stillRunning: false,
    });
    expect(outcome).toBe('cancelled');
    expect((await world.payments.getHold(begun.paymentIntentId)).status).toBe('canceled');
    expect((await world.sessions.get(begun.sessionId))?.settlement).toMatchObject({
      capturedMinor: 0,
      releasedMinor: 3000,
    });
  });

  it('a charge above the hold captures the hold and records the shortfall', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    await captureFinalCharge(world.deps, {
      eventId: 'e',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 3456,
      stillRunning: false,
    });
    expect((await world.sessions.get(begun.sessionId))?.settlement).toMatchObject({
      capturedMinor: 3000,
      releasedMinor: 0,
      shortfallMinor: 456,
    });
  });

  it('a crash between capture and recording it: the retry records the capture without a second one', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    const event = {
      eventId: 'e1',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 1234,
      stillRunning: false,
    };
    world.payments.failAfter = 'capture';
    await expect(captureFinalCharge(world.deps, event)).rejects.toThrow(/network error/);
    expect(await captureFinalCharge(world.deps, event)).toBe('captured');
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toHaveLength(1);
    expect((await world.sessions.get(begun.sessionId))?.settlement).toMatchObject({
      capturedMinor: 1234,
      releasedMinor: 1766,
    });
  });

  it('a hold that lapsed before capture marks the session uncollected', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    world.payments.expire(begun.paymentIntentId);
    expect(
      await handlePaymentIntentEvent(world.deps, {
        type: 'payment_intent.canceled',
        paymentIntentId: begun.paymentIntentId,
        sessionId: begun.sessionId,
      }),
    ).toBe('recorded');
    expect(
      await captureFinalCharge(world.deps, {
        eventId: 'e',
        chargerId: 'CP-1',
        transactionId: 7,
        chargeGrossMinor: 500,
        stillRunning: false,
      }),
    ).toBe('uncollected');
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'completed',
      uncollected: true,
    });
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toEqual([]);
  });

  it('a charge finalised because the hold is lapsing stops the car and captures', async () => {
    const { world, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    await captureFinalCharge(world.deps, {
      eventId: 'e',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 2000,
      stillRunning: true,
    });
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 7 }]);
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toHaveLength(1);
  });

  it('a transaction that is not a paid session is left alone', async () => {
    const world = paymentsWorld();
    expect(
      await captureFinalCharge(world.deps, {
        eventId: 'e',
        chargerId: 'CP-1',
        transactionId: 1,
        chargeGrossMinor: 10,
        stillRunning: false,
      }),
    ).toBe('not-a-paid-session');
    expect(await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 1, idTag: 'RFID-1' })).toBe(
      'not-a-paid-session',
    );
  });
});

describe('the Transaction URL', () => {
  it('opens only with the exact token, and shows this session only', async () => {
    const { world, begun } = await heldSession();
    expect((await sessionByToken(world.deps, begun.token))?.sessionId).toBe(begun.sessionId);
    expect(await sessionByToken(world.deps, begun.token.slice(0, -1))).toBeUndefined();
    const last = begun.token.at(-1) === 'A' ? 'B' : 'A';
    expect(await sessionByToken(world.deps, `${begun.token.slice(0, -1)}${last}`)).toBeUndefined();
    expect(await sessionByToken(world.deps, 'not-a-token')).toBeUndefined();
    const view = await viewSession(world.deps, (await sessionByToken(world.deps, begun.token))!);
    expect(view).toMatchObject({
      status: 'waiting-for-car',
      canCancel: true,
      canStop: true,
      preAuthAmountMinor: 3000,
    });
    expect(JSON.stringify(view)).not.toMatch(/tokenHash|idTag|pk|sk/);
  });
});

describe('stream order across items', () => {
  it('a charge-finalised event handled before its transaction was bound binds it first, then captures', async () => {
    const { world, begun, held } = await heldSession();
    world.transactions.charges.set('CP-1#7', { idTag: held.session.idTag, final: true });
    const outcome = await captureFinalCharge(world.deps, {
      eventId: 'e',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 1234,
      stillRunning: false,
    });
    expect(outcome).toBe('captured');
    expect(await world.sessions.sessionOfTransaction('CP-1', 7)).toBe(begun.sessionId);
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toEqual([
      { op: 'capture', paymentIntentId: begun.paymentIntentId, amountMinor: 1234 },
    ]);
    // The transaction's own INSERT, handled late, binds nothing new.
    expect(
      await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag }),
    ).toBe('bound');
  });
});

describe('a session pricing cannot price (its transaction flagged pricing-input-invalid)', () => {
  /** A charging session on CP-1 transaction 7, and the sweeper's check interval (default 600 s). */
  async function chargingSession() {
    const { world, begun, held } = await heldSession();
    world.transactions.started('CP-1', 7, held.session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: held.session.idTag });
    const flag = (stoppedAt?: string) =>
      world.transactions.charges.set('CP-1#7', {
        idTag: held.session.idTag,
        final: false,
        unpriceable: true,
        ...(stoppedAt ? { stoppedAt } : {}),
      });
    return { world, begun, flag };
  }

  it('is checked while it runs and released for review once stopped: nothing captured, a receipt', async () => {
    const { world, begun, flag } = await chargingSession();
    flag();
    world.clock.advance(601_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ reviewed: 0, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({ status: 'charging' });
    expect(world.payments.calls.filter((c) => c.op === 'cancel')).toEqual([]);

    flag(new Date(world.clock.now()).toISOString());
    world.clock.advance(601_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ reviewed: 1, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'completed',
      cancelReason: 'meter-data-invalid',
      reviewReason: 'pricing-input-invalid',
      settlement: { outcome: 'cancelled', capturedMinor: 0, releasedMinor: 3000 },
    });
    expect((await world.payments.getHold(begun.paymentIntentId)).status).toBe('canceled');
    expect(world.payments.calls.filter((c) => c.op === 'capture')).toEqual([]);
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
    // Settled: later sweeps leave it alone.
    world.clock.advance(601_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ reviewed: 0, cleared: 0 });
  });

  it('still running when its hold is about to lapse: the car is asked to stop and the hold released', async () => {
    const { world, begun, flag } = await chargingSession();
    flag();
    // The fake card's hold lasts 7 days; two check intervals before it ends the sweeper acts.
    world.clock.advance(7 * 24 * 3600_000 - 2 * 600_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ reviewed: 1, failed: 0 });
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 7 }]);
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'completed',
      reviewReason: 'pricing-input-invalid',
    });
    expect((await world.payments.getHold(begun.paymentIntentId)).status).toBe('canceled');
  });

  it('a priced session is never released by the check: the capture settles it', async () => {
    const { world, begun } = await chargingSession();
    world.transactions.charges.set('CP-1#7', {
      final: false,
      stoppedAt: new Date(world.clock.now()).toISOString(),
    });
    world.clock.advance(601_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ reviewed: 0, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({ status: 'charging' });
    expect(world.payments.calls.filter((c) => c.op === 'cancel')).toEqual([]);
  });
});
