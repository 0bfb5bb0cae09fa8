/**
 * TOTP through `otpauth` (RFC 6238): the rules (30 s, 6 digits, ±1 step, no step twice) are in
 * domain/sign-in.ts; this file only binds them to the library and to the clock's time.
 */
import { Secret, TOTP as Totp } from 'otpauth';
import QRCode from 'qrcode';
import { TOTP, totpStepFresh } from '../../domain/sign-in.js';

const ISSUER = 'EV Charging';

const totpOf = (secretBase32: string, label = 'operator') =>
  new Totp({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP.digits,
    period: TOTP.periodSeconds,
    secret: Secret.fromBase32(secretBase32),
  });

/** A new 160-bit secret (RFC 4226's recommended length), base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The otpauth:// URI an authenticator app reads, and the same as an SVG QR code. */
export async function totpEnrolment(
  secretBase32: string,
  email: string,
): Promise<{ otpauthUri: string; qrSvg: string }> {
  const otpauthUri = totpOf(secretBase32, email).toString();
  return { otpauthUri, qrSvg: await QRCode.toString(otpauthUri, { type: 'svg', margin: 1 }) };
}

/**
 * The step a code matches at `nowMs` (within ±1 step), or undefined: also when that step is not
 * later than `lastUsedStep`, so a code is accepted once.
 */
export function matchTotp(
  secretBase32: string,
  code: string,
  nowMs: number,
  lastUsedStep?: number,
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP.windowSteps });
  if (delta === null) return undefined;
  const step = totp.counter({ timestamp: nowMs }) + delta;
  return totpStepFresh(step, lastUsedStep) ? step : undefined;
}

/** The code for `nowMs` (tests, and nothing else: the server never shows a code). */
export const totpCodeAt = (secretBase32: string, nowMs: number): string =>
  totpOf(secretBase32).generate({ timestamp: nowMs });
