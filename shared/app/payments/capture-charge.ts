/**
 * Step 4: the charge is final (pricing's `charge-finalised` outbox event, delivered by the table
 * stream). Capture `min(charge, what is held)` under the event's own idempotency key, or cancel the
 * hold for a zero charge; Stripe releases the rest of the hold by itself. Since API version
 * 2025-03-31 a partial capture creates no Refund object, so the refund the receipt shows is computed:
 * pre-auth − captured.
 *
 * Crash safety: if the process dies after Stripe captured and before the settlement is recorded,
 * the stream redelivers the event; the PaymentIntent is then `succeeded` and its received amount is
 * recorded, without a second capture (and a repeated capture call would replay under the same key).
 */
import { isSessionIdTag, settle } from '../../domain/payment-session.js';
import type { Hold, PaymentSession, SessionSettlement } from '../../ports/payments.js';
import { bindTransaction } from './bind-transaction.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';

export interface FinalChargeEvent {
  eventId: string;
  chargerId: string;
  transactionId: number;
  /** The final charge's gross total, minor units (0 without a tariff). */
  chargeGrossMinor: number;
  /** True when the hold was about to lapse and the session is still running. */
  stillRunning: boolean;
}

export type CaptureOutcome =
  | 'captured'
  | 'cancelled'
  | 'already-settled'
  | 'uncollected'
  | 'not-a-paid-session';

export async function captureFinalCharge(
  deps: PaymentsDeps,
  event: FinalChargeEvent,
): Promise<CaptureOutcome> {
  const sessionId = await sessionOf(deps, event);
  const session = sessionId ? await deps.sessions.get(sessionId) : undefined;
  if (!session) return 'not-a-paid-session';
  if (session.settlement) return 'already-settled';
  if (session.status === 'cancelled' || session.status === 'failed') {
    // The hold ended before charging (a StartTransaction that lost the race with the start
    // timeout is bound but was stopped): this transaction is not charged to the card, and the
    // sweeper finishes releasing the hold if that is still pending.
    return 'not-a-paid-session';
  }

  if (event.stillRunning && session.transactionId !== undefined) {
    // The hold lapses soon: the charge was finalised on the data in hand; stop the car too.
    await deps.charger
      .remoteStop(session.chargerId, session.transactionId)
      .catch((err: unknown) =>
        deps.log.warn('could not stop a session whose hold is lapsing', { sessionId, error: String(err) }),
      );
  }

  const hold = await deps.payments.getHold(session.paymentIntentId);
  const settlement = await settleHold(deps, session, hold, event);
  const now = isoFromMillis(deps.clock.now());
  if (settlement === 'uncollected') {
    await deps.sessions.patch(session.sessionId, { uncollected: true, updatedAt: now });
    await deps.sessions.advance(session.sessionId, ['charging', 'finishing'], 'completed', {
      endedAt: now,
      updatedAt: now,
    });
    deps.log.error('the card hold lapsed before capture: session uncollected', {
      sessionId: session.sessionId,
    });
    return 'uncollected';
  }
  await deps.sessions.patch(session.sessionId, { settlement, updatedAt: now, sweepAt: null });
  await deps.sessions.advance(session.sessionId, ['starting', 'charging', 'finishing'], 'completed', {
    endedAt: now,
    updatedAt: now,
  });
  await deps.outbox.enqueue({ sessionId: session.sessionId, kind: 'transaction', copy: 0, requestedAt: now });
  deps.log.info('paid session settled', { sessionId: session.sessionId, ...settlement });
  return settlement.outcome;
}

async function settleHold(
  deps: PaymentsDeps,
  session: PaymentSession,
  hold: Hold,
  event: FinalChargeEvent,
): Promise<SessionSettlement | 'uncollected'> {
  const settledAt = isoFromMillis(deps.clock.now());
  const preAuth = session.preAuthAmountMinor;
  if (hold.status === 'succeeded') {
    // Captured by an earlier attempt that did not live to record it.
    return {
      outcome: 'captured',
      chargeGrossMinor: event.chargeGrossMinor,
      capturedMinor: hold.amountReceivedMinor,
      releasedMinor: preAuth - hold.amountReceivedMinor,
      shortfallMinor: Math.max(0, event.chargeGrossMinor - hold.amountReceivedMinor),
      settledAt,
    };
  }
  if (hold.status === 'canceled') {
    if (event.chargeGrossMinor === 0) {
      return {
        outcome: 'cancelled',
        chargeGrossMinor: 0,
        capturedMinor: 0,
        releasedMinor: preAuth,
        shortfallMinor: 0,
        settledAt,
      };
    }
    return 'uncollected';
  }
  const plan = settle(event.chargeGrossMinor, preAuth, hold.amountCapturableMinor);
  if (plan.action === 'cancel') {
    await deps.payments.cancel(session.paymentIntentId, 'abandoned', `cancel-${session.sessionId}`);
  } else {
    await deps.payments.capture(
      session.paymentIntentId,
      plan.amountToCaptureMinor,
      `capture-${event.eventId}`,
    );
  }
  return {
    outcome: plan.action === 'cancel' ? 'cancelled' : 'captured',
    chargeGrossMinor: event.chargeGrossMinor,
    capturedMinor: plan.amountToCaptureMinor,
    releasedMinor: preAuth - plan.amountToCaptureMinor,
    shortfallMinor: plan.shortfallMinor,
    settledAt,
  };
}

/**
 * The paid session of the event's transaction. The stream orders records per item only, so the
 * finalised charge may be handled before the transaction's own INSERT bound it to its session:
 * then the transaction's idTag says whether it is a paid session, and it is bound here first.
 */
async function sessionOf(deps: PaymentsDeps, event: FinalChargeEvent): Promise<string | undefined> {
  const bound = await deps.sessions.sessionOfTransaction(event.chargerId, event.transactionId);
  if (bound) return bound;
  const idTag = (await deps.transactions.chargeOf(event.chargerId, event.transactionId))?.idTag;
  if (!idTag || !isSessionIdTag(idTag)) return undefined;
  const outcome = await bindTransaction(deps, {
    chargerId: event.chargerId,
    transactionId: event.transactionId,
    idTag,
  });
  return outcome === 'bound'
    ? deps.sessions.sessionOfTransaction(event.chargerId, event.transactionId)
    : undefined;
}
