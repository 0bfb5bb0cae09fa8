/**
 * Step 2: the card hold is in place (`requires_capture`). Reached from two sides that race: the
 * driver's page right after Stripe.js confirmed, and the `payment_intent.amount_capturable_updated`
 * webhook. Both re-read the PaymentIntent and move the session from `awaiting-payment` to
 * `starting` conditionally, so exactly one of them issues the idTag, queues the pre-auth receipt and
 * sends RemoteStartTransaction; the other sees the moved session and does nothing.
 */
import type { PaymentSession } from '../../ports/payments.js';
import { cancelHeldSession } from './cancel-session.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';

export type HoldOutcome =
  | { outcome: 'started'; session: PaymentSession }
  /** Card entry not finished (3-D Secure pending, or a declined card: `paymentError` says which). */
  | { outcome: 'not-held'; session: PaymentSession }
  | { outcome: 'charger-refused'; session: PaymentSession }
  /** Someone else moved the session first (or it had already moved): nothing done here. */
  | { outcome: 'unchanged'; session: PaymentSession };

export async function confirmHold(deps: PaymentsDeps, session: PaymentSession): Promise<HoldOutcome> {
  if (session.status !== 'awaiting-payment') return { outcome: 'unchanged', session };
  const hold = await deps.payments.getHold(session.paymentIntentId);
  if (hold.status !== 'requires_capture') {
    if (hold.lastError) {
      await deps.sessions.patch(session.sessionId, { paymentError: hold.lastError, updatedAt: nowIso(deps) });
      return { outcome: 'not-held', session: { ...session, paymentError: hold.lastError } };
    }
    return { outcome: 'not-held', session };
  }

  const nowMs = deps.clock.now();
  const nowSeconds = Math.floor(nowMs / 1000);
  // The charger must accept the session's tag before RemoteStart reaches it (it may Authorize it).
  await deps.idTags.putIdTag({
    operatorId: session.operatorId,
    idTag: session.idTag,
    kind: 'driver',
    // A member's hold: issued in their group, so the charger admits it there at the group price.
    ...(session.member ? { groupId: session.member.groupId } : {}),
    label: `paid session ${session.sessionId}`,
    ...(hold.captureBefore ? { expiresAt: isoFromMillis(hold.captureBefore * 1000) } : {}),
  });
  const patch = {
    heldAt: isoFromMillis(nowMs),
    sweepAt: nowSeconds + deps.settings.startTimeoutSeconds,
    ...(hold.captureBefore ? { holdExpiresAt: hold.captureBefore } : {}),
    updatedAt: isoFromMillis(nowMs),
  };
  if (
    (await deps.sessions.advance(session.sessionId, ['awaiting-payment'], 'starting', patch)) === 'conflict'
  ) {
    const current = (await deps.sessions.get(session.sessionId)) ?? session;
    return { outcome: 'unchanged', session: current };
  }
  const started: PaymentSession = { ...session, ...patch, status: 'starting' };
  const { paymentError: _cleared, ...withoutError } = started;
  await deps.outbox.enqueue({
    sessionId: session.sessionId,
    kind: 'pre-auth',
    copy: 0,
    requestedAt: patch.heldAt,
  });
  deps.log.info('card hold in place; starting the charger', {
    sessionId: session.sessionId,
    chargerId: session.chargerId,
    amountMinor: hold.amountCapturableMinor,
  });

  const answer = await deps.charger
    .remoteStart(session.chargerId, session.connectorId, session.idTag, deps.settings.remoteStartWaitMs)
    .catch((err: unknown) => {
      deps.log.warn('RemoteStartTransaction could not be sent', {
        sessionId: session.sessionId,
        error: String(err),
      });
      return 'rejected' as const;
    });
  if (answer === 'rejected') {
    const cancelled = await cancelHeldSession(deps, withoutError, 'charger-unavailable');
    return { outcome: 'charger-refused', session: cancelled };
  }
  // 'no-answer': the charger may still start; the start timeout releases the hold if it never does.
  return { outcome: 'started', session: withoutError };
}

const nowIso = (deps: PaymentsDeps) => isoFromMillis(deps.clock.now());
