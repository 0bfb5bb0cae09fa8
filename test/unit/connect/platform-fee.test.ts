import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  feeRuleFor,
  platformFeeMinor,
  refundShares,
  refundSharesAt,
  sessionsFeeMinor,
} from '../../../shared/domain/platform-fee.js';

describe('platformFeeMinor (FEE_PERCENT_HALF_UP, capped at the capture)', () => {
  it.each([
    // captured, bps, fixed, fee
    [1000, 250, 0, 25],
    [1234, 250, 0, 31], // 30.85 → 31
    [1000, 0, 20, 20],
    [1000, 150, 20, 35],
    [20, 0, 50, 20], // the fixed part is more than the capture: capped
    [0, 250, 20, 0], // nothing captured, nothing taken
    [2, 2500, 0, 1], // 0.5 rounds half up
    [6, 2500, 0, 2], // 1.5 → 2
    [999_999, 10_000, 0, 999_999],
  ])('captured %i at %i bp + %i fixed → fee %i', (captured, bps, fixedMinor, fee) => {
    expect(platformFeeMinor(captured, { bps, fixedMinor })).toBe(fee);
  });

  it('refuses amounts that are not whole minor units and rates out of range', () => {
    expect(() => platformFeeMinor(10.5, { bps: 0, fixedMinor: 0 })).toThrow(RangeError);
    expect(() => platformFeeMinor(-1, { bps: 0, fixedMinor: 0 })).toThrow(RangeError);
    expect(() => platformFeeMinor(100, { bps: 10_001, fixedMinor: 0 })).toThrow(RangeError);
  });

  it('takes the fee of several sessions billed at once per session (FEE_PER_SESSION_SUM)', () => {
    // By hand at 2.5 % + 10: 1234 → 30.85 → 31 + 10 = 41; 2 → 0.05 → 0 + 10, capped at 2; 0 → 0;
    // 999 → 24.975 → 25 + 10 = 35. Σ = 78 (the 2 235 at once: 55.875 → 56 + 10 = 66).
    expect(sessionsFeeMinor([1234, 2, 0, 999], { bps: 250, fixedMinor: 10 })).toBe(78);
    expect(sessionsFeeMinor([], { bps: 250, fixedMinor: 10 })).toBe(0);
  });

  it("takes an operator's own parts over the deployment's", () => {
    expect(feeRuleFor({ bps: 250, fixedMinor: 10 }, { bps: 100 })).toEqual({ bps: 100, fixedMinor: 10 });
    expect(feeRuleFor({ bps: 250, fixedMinor: 10 }, undefined)).toEqual({ bps: 250, fixedMinor: 10 });
  });
});

/** A capture (minor units), a fee rate (bps) and the weights of the parts it is refunded in. */
const aCaptureInParts = [
  fc.integer({ min: 1, max: 100_000 }),
  fc.integer({ min: 0, max: 10_000 }),
  fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
] as const;

describe('refundShares (REFUND_SHARE_CUMULATIVE_HALF_UP)', () => {
  const figures = { grossMinor: 1000, feeMinor: 35, refundedMinor: 0, reversedMinor: 0, feeRefundedMinor: 0 };

  it('splits a partial refund between the transfer and the fee in proportion', () => {
    // 400 of 1000: 14 of the 35 fee comes back, 386 is reversed from the transfer.
    expect(refundShares(figures, 400, 'proportional')).toEqual({ reversalMinor: 386, feeRefundMinor: 14 });
  });

  it('with the fee kept, the transfer bears the refund up to what it received', () => {
    expect(refundShares(figures, 400, 'kept')).toEqual({ reversalMinor: 400, feeRefundMinor: 0 });
    expect(refundShares(figures, 1000, 'kept')).toEqual({ reversalMinor: 965, feeRefundMinor: 0 });
  });

  it('refuses more than is left to refund', () => {
    expect(() => refundShares({ ...figures, refundedMinor: 900 }, 101, 'proportional')).toThrow(RangeError);
  });

  it('refunding everything in any number of parts gives back exactly the fee and the transfer', () => {
    fc.assert(
      fc.property(...aCaptureInParts, (grossMinor, bps, weights) => {
        const feeMinor = platformFeeMinor(grossMinor, { bps, fixedMinor: 0 });
        const state = { grossMinor, feeMinor, refundedMinor: 0, reversedMinor: 0, feeRefundedMinor: 0 };
        const total = weights.reduce((a, b) => a + b, 0);
        let given = 0;
        weights.forEach((w, i) => {
          const part = i === weights.length - 1 ? grossMinor - given : Math.floor((grossMinor * w) / total);
          given += part;
          const shares = refundShares(state, part, 'proportional');
          expect(shares.reversalMinor).toBeGreaterThanOrEqual(0);
          expect(shares.feeRefundMinor).toBeGreaterThanOrEqual(0);
          expect(shares.reversalMinor + shares.feeRefundMinor).toBe(part);
          state.refundedMinor += part;
          state.reversedMinor += shares.reversalMinor;
          state.feeRefundedMinor += shares.feeRefundMinor;
        });
        expect(state.feeRefundedMinor).toBe(feeMinor);
        expect(state.reversedMinor).toBe(grossMinor - feeMinor);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it.each(['proportional', 'kept'] as const)(
    'refundSharesAt (%s): parts reserved at their offsets and recorded in any order add up to one refund of their sum',
    (policy) => {
      fc.assert(
        fc.property(...aCaptureInParts, (grossMinor, bps, weights) => {
          const feeMinor = platformFeeMinor(grossMinor, { bps, fixedMinor: 0 });
          const total = weights.reduce((a, b) => a + b, 0);
          let offsetMinor = 0;
          const parts = weights.map((w) => {
            const amountMinor = Math.max(1, Math.floor((grossMinor * w) / (2 * total)));
            const part = { offsetMinor, amountMinor: Math.min(amountMinor, grossMinor - offsetMinor) };
            offsetMinor += part.amountMinor;
            return part;
          });
          // Recorded last to first: each part's shares do not depend on what was recorded before.
          const sum = parts
            .filter((p) => p.amountMinor > 0)
            .reverse()
            .map((p) => refundSharesAt({ grossMinor, feeMinor }, p.offsetMinor, p.amountMinor, policy))
            .reduce((a, s) => ({
              reversalMinor: a.reversalMinor + s.reversalMinor,
              feeRefundMinor: a.feeRefundMinor + s.feeRefundMinor,
            }));
          const start = { grossMinor, feeMinor, refundedMinor: 0, reversedMinor: 0, feeRefundedMinor: 0 };
          expect(sum).toEqual(refundShares(start, offsetMinor, policy));
        }),
        { seed: 13, numRuns: 300 },
      );
    },
  );
});
