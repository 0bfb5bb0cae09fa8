import { describe, expect, it } from 'vitest';
import {
  divCeil,
  divFloor,
  divRoundHalfEven,
  divRoundHalfUp,
  isCurrencyCode,
  lineAmounts,
  splitGross,
  toSafeNumber,
} from '../../../shared/domain/money.js';

describe('integer division with a named rounding', () => {
  it.each([
    // numerator, denominator, half up, half even, ceil, floor
    [5n, 2n, 3n, 2n, 3n, 2n], // 2.5
    [7n, 2n, 4n, 4n, 4n, 3n], // 3.5: both round up to the even 4
    [-5n, 2n, -3n, -2n, -2n, -3n], // -2.5: half up goes away from zero
    [1_067_248n, 1000n, 1067n, 1067n, 1068n, 1067n], // 1067.248
    [2n, 3n, 1n, 1n, 1n, 0n], // 0.666...
    [1n, 3n, 0n, 0n, 1n, 0n], // 0.333...
    [26n, 10n, 3n, 3n, 3n, 2n], // 2.6
    [24n, 10n, 2n, 2n, 3n, 2n], // 2.4
    [40n, 10n, 4n, 4n, 4n, 4n], // exact
  ])('%i / %i', (n, d, halfUp, halfEven, ceil, floor) => {
    expect(divRoundHalfUp(n, d)).toBe(halfUp);
    expect(divRoundHalfEven(n, d)).toBe(halfEven);
    expect(divCeil(n, d)).toBe(ceil);
    expect(divFloor(n, d)).toBe(floor);
  });

  it('refuses a zero or negative denominator', () => {
    expect(() => divRoundHalfUp(1n, 0n)).toThrow(/denominator must be positive/);
    expect(() => divCeil(1n, -2n)).toThrow(/denominator must be positive/);
  });
});

describe('lineAmounts (LINE_NET_HALF_UP)', () => {
  it.each([
    // exact net (numerator/denominator), rate → net, tax, gross
    // 1067.248 → 1067; 1067 × 20 % = 213.4 → 213; 1067 + 213 = 1280
    [1_067_248n, 1000n, 2000, 1067, 213, 1280],
    // 12.5 → 13 (half up); 13 × 20 % = 2.6 → 3
    [125n, 10n, 2000, 13, 3, 16],
    // 10 exactly; 10 × 5 % = 0.5 → 1 (tax rounds half up too)
    [10n, 1n, 500, 10, 1, 11],
    // 12.4875 → 12; 12 × 20 % = 2.4 → 2
    [124_875n, 10_000n, 2000, 12, 2, 14],
    // zero-rated
    [50n, 1n, 0, 50, 0, 50],
  ])('%i/%i at %i bp', (n, d, rate, net, tax, gross) => {
    expect(lineAmounts(n, d, rate)).toEqual({ netMinor: net, taxMinor: tax, grossMinor: gross });
  });
});

describe('splitGross', () => {
  it.each([
    // 164 / 1.2 = 136.67 → 137; tax = 164 - 137 = 27
    [164, 2000, 137, 27],
    // 100 / 1.2 = 83.33 → 83; tax 17
    [100, 2000, 83, 17],
    // 105 / 1.05 = 100 exactly
    [105, 500, 100, 5],
    [1, 0, 1, 0],
  ])('%i gross at %i bp', (gross, rate, net, tax) => {
    expect(splitGross(gross, rate)).toEqual({ netMinor: net, taxMinor: tax, grossMinor: gross });
  });
});

describe('toSafeNumber', () => {
  it('keeps safe integers and refuses the rest', () => {
    expect(toSafeNumber(9_007_199_254_740_991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeNumber(9_007_199_254_740_992n)).toThrow(/outside the safe integer range/);
  });
});

describe('isCurrencyCode', () => {
  it.each([
    ['GBP', true],
    ['EUR', true],
    ['JPY', true],
    ['gbp', false],
    ['EURO', false],
    ['QQQ', false],
    ['', false],
  ])('%s → %s', (code, valid) => {
    expect(isCurrencyCode(code)).toBe(valid);
  });
});
