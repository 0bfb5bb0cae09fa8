/**
 * Cancelling before charging: the driver's Cancel, the start timeout (`abandoned`), or a charger
 * that refused to start. The session moves to `cancelled` first (conditionally, so a
 * StartTransaction that lands at the same moment wins or loses cleanly), then the hold is
 * cancelled under a per-session idempotency key and the cancellation receipt is queued.
 */
import { type CancelReason, stripeCancellationReason } from '../../domain/payment-session.js';
import type { PaymentSession } from '../../ports/payments.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';
import { PaymentFlowError } from './errors.js';

/** The driver's Cancel: allowed until charging starts. */
export async function cancelByDriver(deps: PaymentsDeps, session: PaymentSession): Promise<PaymentSession> {
  if (session.status === 'cancelled') return session;
  if (session.status !== 'awaiting-payment' && session.status !== 'starting') {
    throw new PaymentFlowError(
      session.status === 'charging' ? 'PAY_CHARGING_STARTED' : 'PAY_SESSION_ENDED',
      session.status === 'charging'
        ? 'Charging has already started: use Stop instead.'
        : 'This session has already ended.',
    );
  }
  return cancelHeldSession(deps, session, 'requested_by_customer');
}

/**
 * Cancels a session that has not started charging. Returns the session as it ends up; when a
 * StartTransaction won the race, the session is `charging` and nothing was cancelled.
 */
export async function cancelHeldSession(
  deps: PaymentsDeps,
  session: PaymentSession,
  reason: CancelReason,
): Promise<PaymentSession> {
  const now = isoFromMillis(deps.clock.now());
  const wasHeld = session.status === 'starting';
  const moved = await deps.sessions.advance(
    session.sessionId,
    ['awaiting-payment', 'starting'],
    'cancelled',
    // If releasing the hold below fails, the sweeper tries again in a minute.
    { cancelReason: reason, endedAt: now, updatedAt: now, sweepAt: Math.floor(deps.clock.now() / 1000) + 60 },
  );
  if (moved === 'conflict') {
    const current = (await deps.sessions.get(session.sessionId)) ?? session;
    if (current.status === 'charging') {
      throw new PaymentFlowError('PAY_CHARGING_STARTED', 'Charging has already started: use Stop instead.');
    }
    return current;
  }
  if (wasHeld) {
    // A late StartTransaction with this tag must not be authorised any more.
    await deps.idTags.putIdTag({
      operatorId: session.operatorId,
      idTag: session.idTag,
      kind: 'driver',
      blocked: true,
      label: `paid session ${session.sessionId} (cancelled)`,
    });
  }
  await releaseHold(deps, { ...session, status: 'cancelled', cancelReason: reason, endedAt: now });
  deps.log.info('paid session cancelled', { sessionId: session.sessionId, reason });
  return { ...session, status: 'cancelled', cancelReason: reason, endedAt: now, updatedAt: now };
}

/**
 * Cancels the PaymentIntent (idempotent: one key per session), records the settlement and, for a
 * session whose card was held (by the platform's record or Stripe's), queues the cancellation
 * receipt. A hold Stripe already cancelled is
 * recorded the same way. The receipt is queued here rather than by the caller because this is
 * also the sweeper's retry after a release that failed half-way: the receipt must not depend on
 * the first attempt surviving (the outbox dedups, so a repeat queues nothing).
 */
export async function releaseHold(deps: PaymentsDeps, session: PaymentSession): Promise<void> {
  const reason = session.cancelReason ?? 'abandoned';
  const hold = await deps.payments.getHold(session.paymentIntentId);
  let heldAt = session.heldAt;
  if (heldAt === undefined && hold.status === 'requires_capture') {
    // Stripe holds the money though the platform never confirmed it (the driver cancelled before
    // the page or the webhook reported the hold). Recorded before the cancel so that a retry, which
    // finds the intent already cancelled, still knows money was held and released.
    heldAt = isoFromMillis(deps.clock.now());
    await deps.sessions.patch(session.sessionId, { heldAt });
  }
  if (hold.status !== 'canceled') {
    await deps.payments.cancel(
      session.paymentIntentId,
      stripeCancellationReason(reason),
      `cancel-${session.sessionId}`,
    );
  }
  const held = heldAt !== undefined;
  await deps.sessions.patch(session.sessionId, {
    settlement: {
      outcome: 'cancelled',
      chargeGrossMinor: 0,
      capturedMinor: 0,
      releasedMinor: held ? session.preAuthAmountMinor : 0,
      shortfallMinor: 0,
      settledAt: isoFromMillis(deps.clock.now()),
    },
    sweepAt: null,
  });
  if (held) {
    await deps.outbox.enqueue({
      sessionId: session.sessionId,
      kind: 'cancellation',
      copy: 0,
      requestedAt: isoFromMillis(deps.clock.now()),
    });
  }
}
