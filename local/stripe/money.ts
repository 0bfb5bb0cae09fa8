/**
 * Currency rules the emulator enforces, from Stripe's "Supported currencies" page: lowercase ISO codes,
 * per-currency minimum charge amounts, the 8-digit maximum, zero-decimal currencies.
 */
import { invalidParam } from './errors.js';

/** Minimum charge amounts in minor units (Stripe docs, "Minimum and maximum charge amounts"). */
const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

const SYMBOL: Record<string, string> = {
  usd: '$',
  gbp: '£',
  eur: '€',
  aud: 'A$',
  cad: 'CA$',
  jpy: '¥',
  chf: 'CHF ',
};

export const MAX_AMOUNT = 99_999_999;

export function isSupportedCurrency(currency: string): boolean {
  return currency in MINIMUM_CHARGE || ZERO_DECIMAL.has(currency);
}

/** `£0.30` style rendering for error messages (integer arithmetic only). */
export function formatAmount(amount: number, currency: string): string {
  const symbol = SYMBOL[currency] ?? '';
  if (ZERO_DECIMAL.has(currency)) return `${symbol}${amount}`;
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function assertSupportedCurrency(currency: string, param = 'currency'): void {
  if (!isSupportedCurrency(currency)) {
    throw invalidParam(
      param,
      `Invalid currency: ${currency}. Stripe currently supports these currencies: ${Object.keys(MINIMUM_CHARGE).join(', ')}`,
    );
  }
}

/** Validates a charge amount the way PaymentIntent creation does. */
export function assertChargeAmount(amount: number, currency: string, param = 'amount'): void {
  assertSupportedCurrency(currency);
  const minimum = MINIMUM_CHARGE[currency] ?? 50;
  if (amount < minimum) {
    throw invalidParam(
      param,
      `Amount must be at least ${formatAmount(minimum, currency)} ${currency}`,
      'amount_too_small',
    );
  }
  if (amount > MAX_AMOUNT) {
    throw invalidParam(
      param,
      `Amount must be no more than ${formatAmount(MAX_AMOUNT, currency)}`,
      'amount_too_large',
    );
  }
}

export function defaultCurrencyFor(country: string): string {
  const map: Record<string, string> = {
    GB: 'gbp',
    US: 'usd',
    CA: 'cad',
    AU: 'aud',
    NZ: 'nzd',
    CH: 'chf',
    SE: 'sek',
    NO: 'nok',
    DK: 'dkk',
    PL: 'pln',
    JP: 'jpy',
  };
  return map[country] ?? 'eur';
}
