/**
 * Step 3: the charger's StartTransaction carries the session's idTag. Reached from the table
 * stream (a transaction item created), so OCPP's acknowledgement never waits on payments. Binds the
 * transaction to the session (one each way), moves the session to `charging` and writes the hold's
 * amount and expiry on the transaction, where pricing reads them for the cost cap and the hold
 * safety deadline. Every step is idempotent: a replayed record re-writes the same values.
 */
import type { PaymentSessionStatus } from '../../domain/payment-session.js';
import type { PaymentsDeps } from './deps.js';
import { isoFromMillis } from './deps.js';
import { nextSettlementCheck } from './review-unpriceable.js';

export interface StartedTransaction {
  chargerId: string;
  transactionId: number;
  idTag: string;
}

export type BindOutcome = 'bound' | 'not-a-paid-session' | 'start-after-cancel' | 'conflict';

export async function bindTransaction(deps: PaymentsDeps, tx: StartedTransaction): Promise<BindOutcome> {
  const session = await deps.sessions.byIdTag(tx.idTag);
  if (!session) return 'not-a-paid-session';
  if (session.chargerId !== tx.chargerId) {
    deps.log.warn('a paid session tag was used on another charger; ignored', {
      sessionId: session.sessionId,
      chargerId: tx.chargerId,
    });
    return 'conflict';
  }
  if (withoutHold(session.status)) return stopUnheld(deps, tx, session.sessionId, session.status);
  if ((await deps.sessions.bindTransaction(session.sessionId, tx.chargerId, tx.transactionId)) === 'taken') {
    deps.log.warn('paid session already bound to another transaction', {
      sessionId: session.sessionId,
      ...tx,
    });
    return 'conflict';
  }
  await deps.transactions.attachHold(tx.chargerId, tx.transactionId, {
    preAuthAmountMinor: session.preAuthAmountMinor,
    paymentSessionId: session.sessionId,
    ...(session.holdExpiresAt !== undefined ? { holdExpiresAt: session.holdExpiresAt } : {}),
  });
  if (session.status === 'starting') {
    const nowMs = deps.clock.now();
    const now = isoFromMillis(nowMs);
    const moved = await deps.sessions.advance(session.sessionId, ['starting'], 'charging', {
      transactionId: tx.transactionId,
      chargingAt: now,
      updatedAt: now,
      // From the start timeout to the settlement checks (review-unpriceable.ts).
      sweepAt: nextSettlementCheck(deps, Math.floor(nowMs / 1000)),
    });
    if (moved === 'conflict') {
      // The start timeout (or the driver's Cancel) won the race since the read above: the hold is
      // being released, so this transaction must not run on it.
      const current = await deps.sessions.get(session.sessionId);
      if (current && withoutHold(current.status))
        return stopUnheld(deps, tx, session.sessionId, current.status);
    }
  }
  return 'bound';
}

const withoutHold = (status: PaymentSessionStatus): boolean =>
  status === 'cancelled' || status === 'failed' || status === 'awaiting-payment';

/** Nothing is held for this session any more: ask the charger to stop what it started. */
async function stopUnheld(
  deps: PaymentsDeps,
  tx: StartedTransaction,
  sessionId: string,
  status: PaymentSessionStatus,
): Promise<'start-after-cancel'> {
  deps.log.warn('StartTransaction for a session without a hold; stopping it', { sessionId, status, ...tx });
  await deps.charger.remoteStop(tx.chargerId, tx.transactionId).catch((err: unknown) =>
    deps.log.error('could not stop a transaction started after its hold ended', {
      ...tx,
      error: String(err),
    }),
  );
  return 'start-after-cancel';
}
