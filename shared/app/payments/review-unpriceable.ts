/**
 * A paid session whose transaction pricing cannot price. Pricing flags such a transaction
 * `pricing-input-invalid` (its stored meter data is impossible, e.g. a negative meterStart stored
 * before StartTransaction refused one) and leaves it unpriced, so it never gets a final charge and
 * the capture (capture-charge.ts) never runs: left alone, the hold would lapse, the driver would be
 * charged nothing without being told why, and the operator would never hear of it.
 *
 * The choice (README, "Payments"): nothing is taken on readings the platform cannot vouch for. Once
 * the session has stopped (or its hold is about to lapse, in which case the car is asked to stop),
 * the hold is released in full, the session completes with `reviewReason` set for the operator,
 * and the driver gets a receipt saying the hold was released and why. A charge computed from part
 * of the readings is not taken: which readings are sound is what the operator's review decides, and
 * a partial capture would release the rest of the hold for good (`final_capture`).
 *
 * How payments learns of it without reading the stream's transaction updates (its stream consumer
 * takes only INSERTs): a charging session keeps a `sweepAt` one check interval ahead, and each sweep
 * reads its transaction once (a GetItem) and moves the check on. The capture path still settles
 * every priced session; this only catches what it never sees.
 */
import { isTerminal } from '../../domain/payment-session.js';
import type { PaymentSession, SessionSettlement } from '../../ports/payments.js';
import { DEFAULT_SETTLEMENT_CHECK_SECONDS, isoFromMillis, type PaymentsDeps } from './deps.js';

export type SettlementCheck = 'released-for-review' | 'checked' | 'nothing-to-check';

const checkIntervalSeconds = (deps: PaymentsDeps): number =>
  deps.settings.settlementCheckSeconds ?? DEFAULT_SETTLEMENT_CHECK_SECONDS;

/** The next settlement check of a charging session, epoch seconds. */
export function nextSettlementCheck(deps: PaymentsDeps, nowSeconds: number): number {
  return nowSeconds + checkIntervalSeconds(deps);
}

/** One sweep's look at a session in `charging` or `finishing` (see the module comment). */
export async function checkSettlement(deps: PaymentsDeps, session: PaymentSession): Promise<SettlementCheck> {
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  if (session.settlement || isTerminal(session.status) || session.transactionId === undefined) {
    await deps.sessions.patch(session.sessionId, { sweepAt: null });
    return 'nothing-to-check';
  }
  const tx = await deps.transactions.chargeOf(session.chargerId, session.transactionId);
  // Two checks before Stripe would release the hold by itself, so one failed sweep still leaves time.
  const lapsing =
    session.holdExpiresAt !== undefined &&
    nowSeconds >= session.holdExpiresAt - 2 * checkIntervalSeconds(deps);
  if (!tx?.unpriceable || tx.final || (tx.stoppedAt === undefined && !lapsing)) {
    await deps.sessions.patch(session.sessionId, { sweepAt: nextSettlementCheck(deps, nowSeconds) });
    return 'checked';
  }
  if (tx.stoppedAt === undefined) {
    await deps.charger.remoteStop(session.chargerId, session.transactionId).catch((err: unknown) =>
      deps.log.warn('could not stop an unpriceable session whose hold is lapsing', {
        sessionId: session.sessionId,
        error: String(err),
      }),
    );
  }
  return releaseForReview(deps, session);
}

async function releaseForReview(deps: PaymentsDeps, session: PaymentSession): Promise<SettlementCheck> {
  const hold = await deps.payments.getHold(session.paymentIntentId);
  if (hold.status === 'succeeded') {
    // Captured by the charge-finalised path after all: that settlement stands; it records it.
    await deps.sessions.patch(session.sessionId, { sweepAt: null });
    return 'nothing-to-check';
  }
  if (hold.status !== 'canceled') {
    await deps.payments.cancel(session.paymentIntentId, 'abandoned', `review-${session.sessionId}`);
  }
  const now = isoFromMillis(deps.clock.now());
  const settlement: SessionSettlement = {
    outcome: 'cancelled',
    chargeGrossMinor: 0,
    capturedMinor: 0,
    releasedMinor: session.preAuthAmountMinor,
    shortfallMinor: 0,
    settledAt: now,
  };
  const moved = await deps.sessions.advance(session.sessionId, ['charging', 'finishing'], 'completed', {
    settlement,
    cancelReason: 'meter-data-invalid',
    reviewReason: 'pricing-input-invalid',
    endedAt: now,
    updatedAt: now,
    sweepAt: null,
  });
  if (moved === 'conflict') {
    // Another writer moved the session since it was read; the next sweep reads it again (the
    // cancel above is keyed, so repeating it does nothing twice).
    return 'checked';
  }
  await deps.outbox.enqueue({
    sessionId: session.sessionId,
    kind: 'cancellation',
    copy: 0,
    requestedAt: now,
  });
  deps.log.error('paid session cannot be priced: hold released, session set for the operator to review', {
    sessionId: session.sessionId,
    chargerId: session.chargerId,
    transactionId: session.transactionId,
    releasedMinor: settlement.releasedMinor,
  });
  return 'released-for-review';
}
