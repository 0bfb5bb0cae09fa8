/**
 * The smallest failing examples the money-invariant property found, kept as plain tests so each
 * defect stays fixed by name (seeds in the commit messages).
 */
import { describe, expect, it } from 'vitest';
import { beginPayment } from '../../../shared/app/payments/begin-payment.js';
import { bindTransaction } from '../../../shared/app/payments/bind-transaction.js';
import { cancelByDriver } from '../../../shared/app/payments/cancel-session.js';
import { captureFinalCharge } from '../../../shared/app/payments/capture-charge.js';
import { confirmHold } from '../../../shared/app/payments/confirm-hold.js';
import { handlePaymentIntentEvent } from '../../../shared/app/payments/payment-events.js';
import { sweepSessions } from '../../../shared/app/payments/sweep-sessions.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

async function heldSession() {
  const world = paymentsWorld();
  const begun = await beginPayment(world.deps, { chargerId: 'CP-1', connectorId: 1, email: 'd@example.com' });
  world.payments.confirm(begun.paymentIntentId, 'held');
  const held = await confirmHold(world.deps, (await world.sessions.get(begun.sessionId))!);
  return { world, begun, session: held.session };
}

describe('a hold release that failed after Stripe cancelled (property seed 927903137)', () => {
  it('the driver’s cancel: the sweeper’s retry still queues the cancellation receipt', async () => {
    const { world, begun, session } = await heldSession();
    world.payments.failAfter = 'cancel';
    await expect(cancelByDriver(world.deps, session)).rejects.toThrow(/network error/);
    world.clock.advance(61_000);
    await sweepSessions(world.deps);
    expect((await world.sessions.get(begun.sessionId))?.settlement?.outcome).toBe('cancelled');
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
  });

  it('the start timeout: the next sweep’s retry still queues the cancellation receipt', async () => {
    const { world, begun } = await heldSession();
    world.clock.advance(301_000);
    world.payments.failAfter = 'cancel';
    expect(await sweepSessions(world.deps)).toMatchObject({ failed: 1 });
    world.clock.advance(61_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ released: 1, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'abandoned',
    });
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
  });
});

describe('the driver cancels after Stripe held the card, before the platform heard of it (seed -814312032)', () => {
  it('records the release of the whole hold and sends the cancellation receipt (not the pre-auth one)', async () => {
    const world = paymentsWorld();
    const begun = await beginPayment(world.deps, {
      chargerId: 'CP-1',
      connectorId: 1,
      email: 'd@example.com',
    });
    world.payments.confirm(begun.paymentIntentId, 'held');
    // The page died after Stripe.js confirmed; the webhook is still on its way.
    await cancelByDriver(world.deps, (await world.sessions.get(begun.sessionId))!);
    await handlePaymentIntentEvent(world.deps, {
      type: 'payment_intent.amount_capturable_updated',
      paymentIntentId: begun.paymentIntentId,
      sessionId: begun.sessionId,
    });
    expect((await world.payments.getHold(begun.paymentIntentId)).status).toBe('canceled');
    expect((await world.sessions.get(begun.sessionId))?.settlement).toMatchObject({
      outcome: 'cancelled',
      capturedMinor: 0,
      releasedMinor: 3000,
    });
    expect(world.chargerPort.starts).toEqual([]);
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['cancellation']);
  });

  it('a retry after the cancel failed half-way still knows the money was held', async () => {
    const world = paymentsWorld();
    const begun = await beginPayment(world.deps, {
      chargerId: 'CP-1',
      connectorId: 1,
      email: 'd@example.com',
    });
    world.payments.confirm(begun.paymentIntentId, 'held');
    world.payments.failAfter = 'cancel';
    await expect(cancelByDriver(world.deps, (await world.sessions.get(begun.sessionId))!)).rejects.toThrow(
      /network error/,
    );
    world.clock.advance(61_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ released: 1, failed: 0 });
    expect((await world.sessions.get(begun.sessionId))?.settlement?.releasedMinor).toBe(3000);
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['cancellation']);
  });
});

describe('StartTransaction racing the start timeout (seed 866885363)', () => {
  it('when the sweeper cancels between the bind’s read and its move to charging, the car is stopped', async () => {
    const { world, begun, session } = await heldSession();
    world.clock.advance(301_000);
    // Both start together: the sweeper's cancel lands while the bind is still writing.
    world.transactions.started('CP-1', 7, session.idTag);
    const [outcome] = await Promise.all([
      bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: session.idTag }),
      sweepSessions(world.deps),
    ]);
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'cancelled',
      settlement: { outcome: 'cancelled', capturedMinor: 0 },
    });
    expect(outcome).toBe('start-after-cancel');
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 7 }]);
  });

  it('(seed 141481744) and the sweeper’s cancel failed half-way: the finalised charge is not settled on the cancelled hold', async () => {
    const { world, begun, session } = await heldSession();
    world.clock.advance(301_000);
    world.payments.failAfter = 'cancel';
    world.transactions.started('CP-1', 7, session.idTag);
    const [outcome] = await Promise.all([
      bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: session.idTag }),
      sweepSessions(world.deps),
    ]);
    expect(outcome).toBe('start-after-cancel');
    const finalised = {
      eventId: 'charge-finalised#CP-1#7',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: 0,
      stillRunning: false,
    };
    expect(await captureFinalCharge(world.deps, finalised)).toBe('not-a-paid-session');
    world.clock.advance(61_000);
    expect(await sweepSessions(world.deps)).toMatchObject({ released: 1, failed: 0 });
    expect(await world.sessions.get(begun.sessionId)).toMatchObject({
      status: 'cancelled',
      settlement: { outcome: 'cancelled', releasedMinor: 3000 },
    });
    expect(world.outbox.items.map((r) => r.kind)).toEqual(['pre-auth', 'cancellation']);
  });
});
