/**
 * An operator refunds a session, in full or in part: the driver's card gets the amount back, and the
 * operator's transfer gives back its share (a transfer reversal), the platform its share of the fee,
 * as the deployment's policy says (domain/platform-fee.ts refundShares). A transfer still pending
 * is not reversed: the share is taken off what it will send.
 *
 * Retries: the Stripe calls are keyed by what was refunded before this refund and its amount, so the
 * same request retried after a crash gets the same refund and reversal back; the record is updated
 * only if nobody refunded in between (`conflict` then: read again, decide again), and only if the
 * transfer is still in the state the shares were worked out for: a held transfer made while the
 * refund ran means the share must now be reversed, so the refund runs once more (same keys).
 *
 * The driver's refund receipt is queued as soon as Stripe made the refund, numbered by the refunded
 * total before it (the same on a retry, so it is queued once), and sent by the payments stream.
 */
import { refundShares } from '../../domain/platform-fee.js';
import { type ConnectDeps, isoFromMillis } from './deps.js';
import { ConnectError } from './errors.js';

export interface RefundResult {
  refundId: string;
  sessionId: string;
  amountMinor: number;
  currency: string;
  /** Taken back from the operator's transfer by this refund. */
  reversedMinor: number;
  /** Of the platform fee, given back by this refund. */
  feeRefundedMinor: number;
  /** Refunded for the session so far, this one included. */
  refundedTotalMinor: number;
  /** What can still be refunded. */
  refundableMinor: number;
}

export async function refundSession(
  deps: ConnectDeps,
  command: { operatorId: string; sessionId: string; amountMinor?: number },
): Promise<RefundResult> {
  // Twice at most: the second pass only when the held transfer was made while this refund ran.
  for (let attempt = 0; ; attempt++) {
    const transfer = await deps.store.transfer(command.sessionId);
    // Another operator's session reads as missing, never as forbidden.
    if (!transfer || transfer.operatorId !== command.operatorId)
      throw new ConnectError('CONNECT_SESSION_NOT_FOUND', `no captured session ${command.sessionId}`);
    const refundableMinor = transfer.grossMinor - transfer.refundedMinor;
    const amountMinor = command.amountMinor ?? refundableMinor;
    if (amountMinor <= 0 || amountMinor > refundableMinor)
      throw new ConnectError(
        'CONNECT_REFUND_TOO_LARGE',
        `a refund of this session is 1 to ${refundableMinor} minor units (captured ${transfer.grossMinor}, refunded ${transfer.refundedMinor})`,
      );
    const shares = refundShares(transfer, amountMinor, deps.settings.refundFeePolicy);
    const key = `${command.sessionId}:${transfer.refundedMinor}:${amountMinor}`;
    const { refundId } = await deps.stripe.refund(
      transfer.paymentIntentId,
      amountMinor,
      { sessionId: command.sessionId, operatorId: command.operatorId },
      `refund:${key}`,
    );
    // Owed from the moment Stripe made the refund, keyed by it, so a retry queues it once.
    await deps.receipts.enqueue({
      sessionId: command.sessionId,
      kind: 'refund',
      copy: transfer.refundedMinor,
      requestedAt: isoFromMillis(deps.clock.now()),
      refund: {
        refundId,
        amountMinor,
        refundedTotalMinor: transfer.refundedMinor + amountMinor,
        capturedMinor: transfer.grossMinor,
        refundedAt: isoFromMillis(deps.clock.now()),
      },
    });
    if (transfer.status === 'paid' && transfer.transferId && shares.reversalMinor > 0) {
      await deps.stripe.createReversal(
        transfer.transferId,
        shares.reversalMinor,
        { sessionId: command.sessionId, refundId },
        `reversal:${key}`,
      );
    }
    const saved = await deps.store.addRefund(
      command.sessionId,
      { refundedMinor: transfer.refundedMinor, status: transfer.status },
      {
        refundedMinor: amountMinor,
        reversedMinor: shares.reversalMinor,
        feeRefundedMinor: shares.feeRefundMinor,
      },
    );
    if (saved === 'conflict') {
      const now = await deps.store.transfer(command.sessionId);
      // The held transfer went out meanwhile: the same refund (same key) again, now with its reversal.
      if (attempt === 0 && now?.refundedMinor === transfer.refundedMinor && now.status !== transfer.status)
        continue;
      throw new ConnectError(
        'CONNECT_REFUND_TOO_LARGE',
        'another refund of this session was just made: check and try again',
      );
    }
    deps.log.info('session refunded', { sessionId: command.sessionId, refundId, amountMinor, ...shares });
    return {
      refundId,
      sessionId: command.sessionId,
      amountMinor,
      currency: transfer.currency,
      reversedMinor: shares.reversalMinor,
      feeRefundedMinor: shares.feeRefundMinor,
      refundedTotalMinor: transfer.refundedMinor + amountMinor,
      refundableMinor: refundableMinor - amountMinor,
    };
  }
}
