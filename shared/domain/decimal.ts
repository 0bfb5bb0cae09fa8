/**
 * Exact decimal strings. OCPP sends meter values as decimal strings ("23.456"); parsing them with
 * `parseFloat` would turn 0.1 kWh into 100.00000000000001 Wh, so they go through bigint instead.
 * Written by hand: the only dependency it would replace (decimal.js and friends) is float-free too
 * but far larger than the twenty lines needed here.
 */
import { divRoundHalfEven } from './money.js';

/** An exact decimal: value = coefficient x 10^exponent. */
export interface Decimal {
  coefficient: bigint;
  exponent: number;
}

// Digits with an optional fraction and an optional exponent: "12", "12.5", ".5", "1.2E3", "-0.25".
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
// Bounds keep a hostile "1e9999" from making a huge bigint; real meter values are nowhere near.
const MAX_DIGITS = 40;
const MAX_EXPONENT = 60;

/** Parses a decimal string exactly, or returns null when it is not a plain decimal number. */
export function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exp = '0'] = match;
  if (whole.length === 0 && fraction.length === 0) return null;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return null;
  const exponent = Number(exp) - fraction.length;
  if (Math.abs(exponent) > MAX_EXPONENT) return null;
  const magnitude = BigInt(digits);
  return { coefficient: sign === '-' ? -magnitude : magnitude, exponent };
}

/** value x 10^shift as an integer, rounding half to even when digits fall off the end. */
export function decimalToInteger(value: Decimal, shift: number): bigint {
  const exponent = value.exponent + shift;
  if (exponent >= 0) return value.coefficient * 10n ** BigInt(exponent);
  return divRoundHalfEven(value.coefficient, 10n ** BigInt(-exponent));
}
