import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatKwh,
  formatMoney,
  formatTaxRate,
  formatUnitPrice,
  minorDigits,
  scaledDecimal,
} from '../../../shared/web/format.js';

describe('money from integer minor units', () => {
  it.each([
    [1234, 'GBP', 'en-GB', '£12.34'],
    [1234, 'gbp', 'en-GB', '£12.34'],
    [5, 'GBP', 'en-GB', '£0.05'],
    [0, 'EUR', 'en-GB', '€0.00'],
    [-1766, 'GBP', 'en-GB', '-£17.66'],
    [1234, 'JPY', 'en-US', '¥1,234'],
    [1234, 'USD', 'en-US', '$12.34'],
    [123_456, 'EUR', 'de-DE', '1.234,56\u00a0€'],
    [5124, 'KWD', 'en-GB', 'KWD\u00a05.124'],
    // Intl's own default for HUF is 0 digits; the amount is Stripe's, in fillér.
    [123_456, 'HUF', 'en-GB', 'HUF\u00a01,234.56'],
    // Beyond 2^53 a float would lose the last digits; the string route does not.
    [Number.MAX_SAFE_INTEGER, 'GBP', 'en-GB', '£90,071,992,547,409.91'],
  ])('%i %s (%s) → %s', (minor, currency, locale, expected) => {
    expect(formatMoney(minor, currency, locale)).toBe(expected);
  });

  it('refuses a fractional amount', () => {
    expect(() => formatMoney(12.5, 'GBP', 'en-GB')).toThrow(RangeError);
  });

  it.each([
    ['GBP', 2],
    ['jpy', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['HUF', 2],
    ['ISK', 2],
  ])('minor digits of %s: %i', (currency, digits) => {
    expect(minorDigits(currency)).toBe(digits);
  });

  it.each([
    [1234n, 2, '12.34'],
    [-5n, 3, '-0.005'],
    [7n, 0, '7'],
    [100n, 2, '1.00'],
  ])('scaledDecimal(%s, %i) = %s', (value, scale, expected) => {
    expect(scaledDecimal(value, scale)).toBe(expected);
  });
});

describe('unit prices, quantities and rates', () => {
  it.each([
    [45_500, 'GBP', '£0.455'],
    [120_000, 'GBP', '£1.20'],
    [12_345, 'GBP', '£0.12345'],
    [30_000, 'JPY', '¥30'],
    [30_500, 'JPY', '¥30.5'],
  ])('unit price %i %s → %s', (milli, currency, expected) => {
    expect(formatUnitPrice(milli, currency, currency === 'JPY' ? 'en-US' : 'en-GB')).toBe(expected);
  });

  it.each([
    [19_055_000, '19.055 kWh'],
    // Display rounds half up to the Wh; the line's money used the exact milliWh.
    [19_055_500, '19.056 kWh'],
    [19_055_499, '19.055 kWh'],
    [499, '0.000 kWh'],
    [1_234_567_000, '1,234.567 kWh'],
  ])('%i mWh → %s', (milliWh, expected) => {
    expect(formatKwh(milliWh, 'en-GB')).toBe(expected);
  });

  it.each([
    [2000, '20%'],
    [550, '5.5%'],
    [1925, '19.25%'],
    [0, '0%'],
  ])('%i bp → %s', (bp, expected) => {
    expect(formatTaxRate(bp, 'en-GB')).toBe(expected);
  });

  it.each([
    [59, '59 s'],
    [300, '5 min'],
    [3600, '1 h'],
    [4381, '1 h 13 min 1 s'],
  ])('%i s → %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
