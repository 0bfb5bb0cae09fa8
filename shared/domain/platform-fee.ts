/**
 * The platform's fee on a captured session, and how a refund splits between the operator's transfer
 * and the fee. Pure integer arithmetic on minor units.
 *
 * The fee is computed once, when the session's transfer is recorded (shared/app/connect/transfers.ts),
 * and stored on it; receipts and invoices read the stored figure and never compute it again, so a
 * later change of the setting does not rewrite the past.
 */

/** A fee: a percentage in basis points of the captured amount, and/or a fixed amount per session. */
export interface PlatformFeeRule {
  /** 0–10 000 (100 %). */
  bps: number;
  /** Minor units, ≥ 0. */
  fixedMinor: number;
}

/** What a deployment sets; an operator's own rule, when it has one, replaces it as a whole. */
export function feeRuleFor(
  deployment: PlatformFeeRule,
  operatorOverride?: Partial<PlatformFeeRule>,
): PlatformFeeRule {
  if (!operatorOverride) return deployment;
  return {
    bps: operatorOverride.bps ?? deployment.bps,
    fixedMinor: operatorOverride.fixedMinor ?? deployment.fixedMinor,
  };
}

/**
 * FEE_PERCENT_HALF_UP: the percentage part is `capturedMinor × bps / 10 000` rounded half up to a
 * whole minor unit; the fixed part is added; the sum is capped at the captured amount, so the operator
 * never receives less than nothing. A zero capture has no fee.
 */
export function platformFeeMinor(capturedMinor: number, rule: PlatformFeeRule): number {
  assertMinor(capturedMinor, 'capturedMinor');
  assertMinor(rule.fixedMinor, 'fixedMinor');
  if (!Number.isInteger(rule.bps) || rule.bps < 0 || rule.bps > 10_000)
    throw new RangeError(`bps must be an integer 0–10000, got ${rule.bps}`);
  if (capturedMinor === 0) return 0;
  const percentMinor = Math.floor((capturedMinor * rule.bps + 5_000) / 10_000);
  return Math.min(capturedMinor, percentMinor + rule.fixedMinor);
}

/**
 * FEE_PER_SESSION_SUM: the fee on an invoice that bills several sessions at once (a fleet's monthly
 * invoice) is the sum of each session's own fee by FEE_PERCENT_HALF_UP, so the fixed part is taken
 * once per session and each percentage rounds as a card session's would. Sessions of zero have no
 * fee, as a zero capture has none.
 */
export function sessionsFeeMinor(sessionGrossMinors: readonly number[], rule: PlatformFeeRule): number {
  return sessionGrossMinors.reduce((sum, grossMinor) => sum + platformFeeMinor(grossMinor, rule), 0);
}

/** Who bears a refund: by default the fee is refunded in proportion, so operator and platform share it. */
export type RefundFeePolicy = 'proportional' | 'kept';

export interface TransferFigures {
  grossMinor: number;
  feeMinor: number;
  /** Refunded to the driver so far. */
  refundedMinor: number;
  /** Taken back from the operator's transfer so far. */
  reversedMinor: number;
  /** Fee given back so far. */
  feeRefundedMinor: number;
}

export interface RefundShares {
  /** This refund's amount taken back from the operator's transfer. */
  reversalMinor: number;
  /** This refund's share of the fee that the platform gives back. */
  feeRefundMinor: number;
}

/**
 * REFUND_SHARE_CUMULATIVE_HALF_UP: the fee given back after all refunds so far is
 * `feeMinor × refundedTotal / grossMinor`, rounded half up, and this refund's share is that total
 * less what earlier refunds gave back; the rest of the refund is reversed from the transfer. Working
 * on totals, not on each refund alone, means rounding never drifts: refunding everything, in any
 * number of parts, gives back exactly the fee and reverses exactly the transfer.
 * With `kept`, the platform keeps its fee and the operator's transfer bears the refund, up to what
 * it received (a refund beyond that falls on the platform).
 */
export function refundShares(
  figures: TransferFigures,
  refundMinor: number,
  policy: RefundFeePolicy,
): RefundShares {
  assertMinor(refundMinor, 'refundMinor');
  const refundedAfter = figures.refundedMinor + refundMinor;
  if (refundedAfter > figures.grossMinor)
    throw new RangeError(
      `refund of ${refundMinor} exceeds what is left (${figures.grossMinor - figures.refundedMinor})`,
    );
  const netMinor = figures.grossMinor - figures.feeMinor;
  if (policy === 'kept') {
    const reversedAfter = Math.min(netMinor, refundedAfter);
    return { reversalMinor: reversedAfter - figures.reversedMinor, feeRefundMinor: 0 };
  }
  const feeRefundedAfter =
    figures.grossMinor === 0
      ? 0
      : Math.floor((2 * figures.feeMinor * refundedAfter + figures.grossMinor) / (2 * figures.grossMinor));
  const reversedAfter = refundedAfter - feeRefundedAfter;
  return {
    reversalMinor: reversedAfter - figures.reversedMinor,
    feeRefundMinor: feeRefundedAfter - figures.feeRefundedMinor,
  };
}

function assertMinor(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number of minor units ≥ 0`);
}

/**
 * The shares of one refund that covers `[offsetMinor, offsetMinor + refundMinor)` of the capture:
 * what REFUND_SHARE_CUMULATIVE_HALF_UP gives up to its end less what it gives up to its start. Refunds
 * made at once are each reserved at their own offset (refunds.ts), so each works out its shares alone,
 * in any order of finishing, and together they still give back exactly what one refund of their sum
 * would.
 */
export function refundSharesAt(
  figures: Pick<TransferFigures, 'grossMinor' | 'feeMinor'>,
  offsetMinor: number,
  refundMinor: number,
  policy: RefundFeePolicy,
): RefundShares {
  const start = { ...figures, refundedMinor: 0, reversedMinor: 0, feeRefundedMinor: 0 };
  const before = refundShares(start, offsetMinor, policy);
  return refundShares(
    {
      ...figures,
      refundedMinor: offsetMinor,
      reversedMinor: before.reversalMinor,
      feeRefundedMinor: before.feeRefundMinor,
    },
    refundMinor,
    policy,
  );
}
