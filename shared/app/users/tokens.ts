/** Random tokens for the browser, stored only as their SHA-256 (a read of the table opens nothing). */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** 256 random bits, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** `digits` decimal digits from a uniform source (randomInt, no modulo bias). */
export const newDigits = (digits: number): string =>
  Array.from({ length: digits }, () => String(randomInt(10))).join('');

/** A recovery code: 10 base32-like characters (50 bits) in two groups, easy to type. */
export function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Recovery codes are compared without case, spaces or dashes. */
export const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, '');
