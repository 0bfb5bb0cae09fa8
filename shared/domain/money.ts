/**
 * Exact money arithmetic. Amounts are integer minor units (pence, cents) held as `number` at the
 * boundaries (JSON and DynamoDB friendly, always safe integers) and as `bigint` inside every
 * computation, so no intermediate product can lose precision. No floats, no `toFixed`.
 */
import { InvalidArgumentError } from './errors.js';

/** Integer amount in the currency's minor unit (pence, cents). Always a safe integer. */
export type MinorUnits = number;

/** A price in thousandths of a minor unit, so sub-penny rates stay exact: 45.5p is 45_500. */
export type MilliMinor = number;

/** A tax rate in basis points: 2000 is 20 %, 550 is 5.5 %, 0 is zero-rated. */
export type BasisPoints = number;

export const MILLI_PER_MINOR = 1000n;
export const BASIS_POINTS_PER_UNIT = 10_000n;

/**
 * The one rounding rule for every receipt:
 * - each line's net is computed as an exact rational (bigint numerator / denominator) and rounded
 *   once, half up (0.5 goes away from zero), to the minor unit;
 * - each line's tax is the rounded net times the line's rate, rounded half up;
 * - gross = net + tax; totals are the sums of the lines (so a receipt always adds up).
 * Per-line rounding to the nearest penny is one of the methods HMRC VAT Notice 700 (section 17,
 * rounding) accepts, and half up is what a driver checking the receipt by hand expects.
 */
export const ROUNDING_RULE = 'LINE_NET_HALF_UP' as const;
export type RoundingRule = typeof ROUNDING_RULE;

function requirePositive(denominator: bigint): void {
  if (denominator <= 0n) throw new InvalidArgumentError(`denominator must be positive, got ${denominator}`);
}

/** numerator / denominator rounded half up (ties away from zero). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  requirePositive(denominator);
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  if (twice >= denominator) return numerator < 0n ? quotient - 1n : quotient + 1n;
  return quotient;
}

/** numerator / denominator rounded half to even (banker's rounding: no bias over many values). */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  requirePositive(denominator);
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  const away = numerator < 0n ? quotient - 1n : quotient + 1n;
  if (twice > denominator) return away;
  if (twice === denominator) return quotient % 2n === 0n ? quotient : away;
  return quotient;
}

/** numerator / denominator rounded up (toward +infinity). */
export function divCeil(numerator: bigint, denominator: bigint): bigint {
  requirePositive(denominator);
  const quotient = numerator / denominator;
  return numerator % denominator > 0n ? quotient + 1n : quotient;
}

/** numerator / denominator rounded down (toward -infinity). */
export function divFloor(numerator: bigint, denominator: bigint): bigint {
  requirePositive(denominator);
  const quotient = numerator / denominator;
  return numerator % denominator < 0n ? quotient - 1n : quotient;
}

/** Converts back to `number` for storage, refusing anything a double cannot hold exactly. */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidArgumentError(`amount ${value} is outside the safe integer range`);
  }
  return Number(value);
}

/** Net, tax and gross of one receipt line, in minor units. */
export interface LineAmounts {
  netMinor: MinorUnits;
  taxMinor: MinorUnits;
  grossMinor: MinorUnits;
}

/**
 * Applies {@link ROUNDING_RULE} to one line whose exact net is `numerator / denominator` minor units.
 */
export function lineAmounts(numerator: bigint, denominator: bigint, taxRateBp: BasisPoints): LineAmounts {
  const net = divRoundHalfUp(numerator, denominator);
  const tax = divRoundHalfUp(net * BigInt(taxRateBp), BASIS_POINTS_PER_UNIT);
  return { netMinor: toSafeNumber(net), taxMinor: toSafeNumber(tax), grossMinor: toSafeNumber(net + tax) };
}

/**
 * Splits a tax-inclusive amount into net and tax: net = gross / (1 + rate) rounded half up,
 * tax = gross - net, so the gross stays exactly what was asked for (used by the minimum charge).
 */
export function splitGross(grossMinor: MinorUnits, taxRateBp: BasisPoints): LineAmounts {
  const gross = BigInt(grossMinor);
  const net = divRoundHalfUp(gross * BASIS_POINTS_PER_UNIT, BASIS_POINTS_PER_UNIT + BigInt(taxRateBp));
  return { netMinor: toSafeNumber(net), taxMinor: toSafeNumber(gross - net), grossMinor };
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 4217 alphabetic code the runtime knows (e.g. GBP, EUR), upper case only. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && knownCurrencies.has(code);
}
