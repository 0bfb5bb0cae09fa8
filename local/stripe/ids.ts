import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 string; rejection sampling keeps the distribution uniform. */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Stripe-looking object id: `pi_3Q…` (prefix, underscore, 24 base62 characters). */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

export const newClientSecret = (paymentIntentId: string): string =>
  `${paymentIntentId}_secret_${randomToken(25)}`;

export const newWebhookSecret = (): string => `whsec_${randomToken(32)}`;

export const newRequestId = (): string => `req_${randomToken(14)}`;
