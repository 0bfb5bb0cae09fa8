/**
 * An operator refunds a session, in full or in part: the driver's card gets the amount back, and the
 * operator's transfer gives back its share (a transfer reversal), the platform its share of the fee,
 * as the deployment's policy says (domain/platform-fee.ts refundSharesAt). A transfer still pending
 * is not reversed: the share is taken off what it will send.
 *
 * Never more than captured, however many refunds run at once: each refund is first reserved on the
 * transfer record, by a conditional write that moves the claimed total (refunded + reserved) from the
 * value read to that plus the amount, and only if it stays within the capture. Two refunds reading the
 * same total: one reserves, the other reads again and fits or gets `refund_too_large`. The claim's
 * offset (the claimed total before it) names it: it keys the Stripe refund and reversal, numbers the
 * driver's receipt, and fixes the refund's shares whatever order the refunds finish in.
 *
 * Crash-safe: after Stripe the claim is recorded (its shares added, the claim dropped) only while it
 * is still there and the transfer is in the state its shares were acted on for; a held transfer made
 * meanwhile means the share must now be reversed, so the claim is finished once more (same keys). A
 * claim left behind (a crash, or a failure that marked it abandoned) is finished, never dropped: Stripe
 * may have made the refund. The same request again (same amount) finishes it and answers with it; any
 * other refund of the session finishes it first. The lease keeps a refund still running from being
 * finished twice over: it is longer than any HTTP function may run (lib/handlers.ts, 28 s at most).
 */
import { refundSharesAt } from '../../domain/platform-fee.js';
import { claimedOf, type RefundClaim, refundClaimId, type SessionTransfer } from '../../ports/connect.js';
import { type ConnectDeps, isoFromMillis } from './deps.js';
import { ConnectError } from './errors.js';

/** How long a claim belongs to the request that made it before another may finish it. */
export const REFUND_CLAIM_LEASE_MS = 60_000;

export interface RefundResult {
  refundId: string;
  sessionId: string;
  amountMinor: number;
  currency: string;
  /** Taken back from the operator's transfer by this refund. */
  reversedMinor: number;
  /** Of the platform fee, given back by this refund. */
  feeRefundedMinor: number;
  /** Refunded for the session so far, this one included (in the order refunds were reserved). */
  refundedTotalMinor: number;
  /** What can still be refunded. */
  refundableMinor: number;
}

export async function refundSession(
  deps: ConnectDeps,
  command: { operatorId: string; sessionId: string; amountMinor?: number; currency?: string },
): Promise<RefundResult> {
  const finishedLeftovers = new Set<string>();
  // Each pass that does not return lost a reservation race to another refund: it ends when this one
  // fits and is reserved, or no longer fits.
  for (;;) {
    const transfer = await deps.store.transfer(command.sessionId);
    // Another operator's session reads as missing, never as forbidden.
    if (!transfer || transfer.operatorId !== command.operatorId)
      throw new ConnectError('CONNECT_SESSION_NOT_FOUND', `no captured session ${command.sessionId}`);
    // An amount in another currency than the payment's is a mistake, never converted.
    if (command.currency !== undefined && command.currency.toUpperCase() !== transfer.currency.toUpperCase())
      throw new ConnectError(
        'CONNECT_REFUND_CURRENCY',
        `the session was paid in ${transfer.currency.toUpperCase()}, not ${command.currency.toUpperCase()}`,
      );
    const nowMs = deps.clock.now();
    const leftovers = Object.values(transfer.refundClaims ?? {}).filter(
      (c) => nowMs - c.claimedAtMs >= REFUND_CLAIM_LEASE_MS,
    );
    const claimedMinor = claimedOf(transfer);
    const same = leftovers.find((c) =>
      command.amountMinor === undefined
        ? c.offsetMinor + c.amountMinor === transfer.grossMinor
        : c.amountMinor === command.amountMinor,
    );
    if (same) return finishClaim(deps, transfer, same);
    const unfinished = leftovers.filter((c) => !finishedLeftovers.has(refundClaimId(c)));
    if (unfinished.length > 0) {
      for (const claim of unfinished) {
        finishedLeftovers.add(refundClaimId(claim));
        // Another request's refund: finished for it, and this one goes on whatever came of it.
        await finishClaim(deps, transfer, claim).catch((err: unknown) =>
          deps.log.warn('left-over refund claim not finished', {
            sessionId: transfer.sessionId,
            ...claim,
            err,
          }),
        );
      }
      continue;
    }
    const refundableMinor = transfer.grossMinor - claimedMinor;
    const amountMinor = command.amountMinor ?? refundableMinor;
    if (amountMinor <= 0 || amountMinor > refundableMinor)
      throw new ConnectError(
        'CONNECT_REFUND_TOO_LARGE',
        `a refund of this session is 1 to ${refundableMinor} minor units (captured ${transfer.grossMinor}, refunded ${transfer.refundedMinor}, being refunded ${claimedMinor - transfer.refundedMinor})`,
      );
    const claim: RefundClaim = { offsetMinor: claimedMinor, amountMinor, claimedAtMs: nowMs };
    if ((await deps.store.reserveRefund(transfer, claim)) === 'conflict') continue;
    try {
      return await finishClaim(deps, transfer, claim);
    } catch (err) {
      // Stripe may or may not have made it: the claim stays, free for a retry (or the sweeper, within
      // a minute or two) to finish at once.
      await deps.store.abandonRefund(transfer.sessionId, claim).catch((markErr: unknown) =>
        // Then it frees once its lease is over, as after a crash; the caller hears the first failure.
        deps.log.warn('refund claim not marked abandoned', {
          sessionId: transfer.sessionId,
          ...claim,
          markErr,
        }),
      );
      deps.log.error('refund reserved but not finished; the payments sweeper will finish it', {
        sessionId: transfer.sessionId,
        ...claim,
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
      });
      throw new ConnectError(
        'CONNECT_REFUND_PENDING',
        `the refund of ${amountMinor} minor units is reserved but Stripe did not confirm it: the platform finishes it within a few minutes (it is never made twice); send the same request again to see it made`,
        { cause: err },
      );
    }
  }
}

/** The ERROR line of each left-over refund the sweeper could not finish: an alarm counts them. */
export const LEFTOVER_REFUND_FAILED_LOG_MESSAGE = 'left-over refund not finished; the next run tries again';

export interface LeftoverRefundsReport {
  /** Claims finished: the refund made (or found made) at Stripe, its shares recorded, the receipt owed. */
  finished: number;
  /** Claims that could not be finished this time (tried again on the next run). */
  failed: number;
  /** Transfers seen with no claim left, their mark dropped. */
  unmarked: number;
}

/**
 * Every minute (functions/schedules/payments-sweeper.ts): finishes the refunds whose request never
 * finished them (a crash, a timeout, a failure after the reservation) once their lease is over, so
 * the driver's refund, its receipt, the operator's reversal and the fee's share all happen without
 * waiting for somebody to send a refund of that session again. A reservation marks its transfer;
 * each run reads the marked ones, finishes their left-over claims (keyed as the request keyed them:
 * Stripe makes each refund once) and drops the mark of those left without a claim.
 */
export async function finishLeftoverRefunds(deps: ConnectDeps, limit = 25): Promise<LeftoverRefundsReport> {
  const report: LeftoverRefundsReport = { finished: 0, failed: 0, unmarked: 0 };
  const nowMs = deps.clock.now();
  // In no fixed order, so claims Stripe keeps refusing cannot take every run's `limit` for good.
  const marked = shuffled(await deps.store.refundClaimMarks());
  for (const sessionId of marked) {
    if (report.finished + report.failed >= limit) break;
    const transfer = await deps.store.transfer(sessionId);
    const claims = Object.values(transfer?.refundClaims ?? {});
    if (!transfer || claims.length === 0) {
      await deps.store.unmarkRefundClaims(sessionId);
      report.unmarked += 1;
      continue;
    }
    for (const claim of claims.filter((c) => nowMs - c.claimedAtMs >= REFUND_CLAIM_LEASE_MS)) {
      try {
        await finishClaim(deps, transfer, claim);
        report.finished += 1;
        deps.log.warn('left-over refund finished by the sweeper', { sessionId, ...claim });
      } catch (err) {
        report.failed += 1;
        // The platform's alarm counts these lines (lib/constructs/alarms.ts): keep the message as is.
        deps.log.error(LEFTOVER_REFUND_FAILED_LOG_MESSAGE, {
          sessionId,
          ...claim,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
      }
    }
  }
  return report;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Makes the claim's refund at Stripe (keyed by it, so finishing it twice makes it once), queues the
 * driver's receipt, reverses the operator's share if the transfer was made, and records the claim.
 */
async function finishClaim(
  deps: ConnectDeps,
  read: SessionTransfer,
  claim: RefundClaim,
): Promise<RefundResult> {
  const { sessionId } = read;
  const shares = refundSharesAt(read, claim.offsetMinor, claim.amountMinor, deps.settings.refundFeePolicy);
  const key = `${sessionId}:${claim.offsetMinor}:${claim.amountMinor}`;
  const refundedTotalMinor = claim.offsetMinor + claim.amountMinor;
  const { refundId } = await deps.stripe.refund(
    read.paymentIntentId,
    claim.amountMinor,
    { sessionId, operatorId: read.operatorId },
    `refund:${key}`,
  );
  // Owed from the moment Stripe made the refund, numbered by the claim, so finishing twice queues it once.
  await deps.receipts.enqueue({
    sessionId,
    kind: 'refund',
    copy: claim.offsetMinor,
    requestedAt: isoFromMillis(deps.clock.now()),
    refund: {
      refundId,
      amountMinor: claim.amountMinor,
      refundedTotalMinor,
      capturedMinor: read.grossMinor,
      refundedAt: isoFromMillis(deps.clock.now()),
    },
  });
  let transfer = read;
  // Twice at most: the status only moves pending → paid.
  for (;;) {
    if (transfer.status === 'paid' && transfer.transferId && shares.reversalMinor > 0) {
      await deps.stripe.createReversal(
        transfer.transferId,
        shares.reversalMinor,
        { sessionId, refundId },
        `reversal:${key}`,
      );
    }
    const saved = await deps.store.settleRefund(sessionId, claim, transfer.status, {
      reversedMinor: shares.reversalMinor,
      feeRefundedMinor: shares.feeRefundMinor,
    });
    if (saved === 'saved') break;
    const again = await deps.store.transfer(sessionId);
    // Recorded by another request finishing the same claim: done.
    if (!again?.refundClaims?.[refundClaimId(claim)]) break;
    if (again.status === transfer.status) throw new Error(`refund claim ${key} could not be recorded`);
    // The held transfer was made meanwhile: the same claim again, now with its reversal.
    transfer = again;
  }
  deps.log.info('session refunded', { sessionId, refundId, amountMinor: claim.amountMinor, ...shares });
  return {
    refundId,
    sessionId,
    amountMinor: claim.amountMinor,
    currency: read.currency,
    reversedMinor: shares.reversalMinor,
    feeRefundedMinor: shares.feeRefundMinor,
    refundedTotalMinor,
    refundableMinor: read.grossMinor - refundedTotalMinor,
  };
}
