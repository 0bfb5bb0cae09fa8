/**
 * Money, quantities and times for people: `Intl` does the locale work (symbols, grouping, the
 * decimal separator, time zones), but never sees a float. Every amount is turned into an exact
 * decimal string from its integer first and handed to `Intl.NumberFormat#format` as a string, which
 * formats the string's exact value (ECMA-402 "Intl.NumberFormat v3"), whatever its size.
 *
 * Minor digits come from {@link minorDigits}, not from `Intl`'s `resolvedOptions()`: Intl's default
 * fraction digits are CLDR display preferences (ICU gives HUF and IDR 0 and IQD 0, where ISO 4217 says
 * 2, 2 and 3), and using them would print 1234 fillér as "1,234 Ft". Our amounts are Stripe amounts,
 * so the digits are the ones Stripe's API uses for them.
 */
import { divRoundHalfUp } from '../domain/money.js';

/** Stripe's zero-decimal currencies (amount 500 JPY is ¥500). */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** Stripe's three-decimal currencies (amount 5124 KWD is 5.124 KD). */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/**
 * Digits after the decimal point in the currency's minor unit, as Stripe's API counts them: 0 for
 * zero-decimal currencies, 3 for BHD/JOD/KWD/OMR/TND, 2 for everything else (including ISK, HUF and
 * TWD, which Stripe's API keeps as two-decimal amounts).
 */
export function minorDigits(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** value / 10^scale as an exact decimal string: (-1234n, 2) → "-12.34", (5n, 3) → "0.005". */
export function scaledDecimal(value: bigint | number, scale: number): string {
  const n = BigInt(value);
  const sign = n < 0n ? '-' : '';
  const digits = (n < 0n ? -n : n).toString();
  if (scale === 0) return `${sign}${digits}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

/** Integer minor units as money: (1234, 'GBP') → "£12.34", (1234, 'JPY') → "¥1,234" (locale-dependent). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  checkInteger('minor', minor);
  const digits = minorDigits(currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // A string argument is formatted exactly: no float ever holds the amount.
  return format.format(scaledDecimal(minor, digits) as unknown as number);
}

/**
 * A unit price in thousandths of a minor unit, exactly, showing at least the currency's digits:
 * 45_500 GBP → "£0.455", 120_000 GBP → "£1.20", 30_000 JPY → "¥30".
 */
export function formatUnitPrice(milliMinor: number, currency: string, locale: string): string {
  checkInteger('milliMinor', milliMinor);
  const digits = minorDigits(currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits + 3,
  });
  return format.format(scaledDecimal(milliMinor, digits + 3) as unknown as number);
}

/**
 * Energy for a receipt: kWh to 3 decimals (whole Wh), from the charge's milliWh, rounded half up to
 * the Wh (the line's money was computed from the exact milliWh; only the display rounds).
 */
export function formatKwh(milliWh: number, locale: string): string {
  checkInteger('milliWh', milliWh);
  const wh = divRoundHalfUp(BigInt(milliWh), 1000n);
  const format = new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  return `${format.format(scaledDecimal(wh, 3) as unknown as number)} kWh`;
}

/** A tax rate in basis points: 2000 → "20%", 550 → "5.5%", 0 → "0%". */
export function formatTaxRate(taxRateBp: number, locale: string): string {
  checkInteger('taxRateBp', taxRateBp);
  const format = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
  return format.format(scaledDecimal(taxRateBp, 4) as unknown as number);
}

/** A whole number with the locale's grouping: 1234 → "1,234". */
export function formatCount(value: number, locale: string): string {
  checkInteger('value', value);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/**
 * An instant in the site's time zone, naming the zone so a driver abroad is not misled:
 * "1 Jul 2026, 13:00 BST".
 */
export function formatDateTime(epochSeconds: number, timeZone: string, locale: string): string {
  checkInteger('epochSeconds', epochSeconds);
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(epochSeconds * 1000));
}

/** A duration in words from whole seconds: 4380 → "1 h 13 min", 59 → "59 s", 300 → "5 min". */
export function formatDuration(seconds: number): string {
  checkInteger('seconds', seconds);
  const total = Math.max(seconds, 0);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours === 0 && minutes === 0) return `${rest} s`;
  const parts = [
    hours > 0 ? `${hours} h` : '',
    minutes > 0 ? `${minutes} min` : '',
    rest > 0 ? `${rest} s` : '',
  ];
  return parts.filter(Boolean).join(' ');
}
