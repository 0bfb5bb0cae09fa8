/**
 * The demo operator's owner for `npm start`: a console user with a known password, TOTP secret and
 * recovery codes, printed in the start banner, so someone on a fresh machine can sign in to the
 * console without an email round trip. Local only: only the embedded platform's seed (seed.ts)
 * writes it, never a deployment, and every value here is public (it is in the README).
 *
 * The secret is fixed, not random, because the seed is create-only and data survives restarts in
 * `.data/`: a secret drawn anew on each start would be printed but not be the one stored.
 */

import type { TableContext } from '../shared/adapters/dynamodb/support.js';
import { DynamoUserStore } from '../shared/adapters/dynamodb/users.js';
import { hashPassword } from '../shared/app/auth/password.js';
import { normaliseRecoveryCode, sha256 } from '../shared/app/users/tokens.js';
import { totpEnrolment } from '../shared/app/users/totp.js';

export const DEMO_USER = {
  userId: 'usr-demoowner',
  email: 'owner@demo.ev-platform.local',
  password: 'demo-owner-password',
  /** Base32, 160 bits (as newTotpSecret makes): what an authenticator app is given. */
  totpSecret: 'DEMOOWNERTOTPSECRETLOCALONLY2345',
  /** Each works once, in place of a TOTP code (used ones stay used while `.data/` is kept). */
  recoveryCodes: ['demo1-local', 'demo2-local', 'demo3-local'],
} as const;

/** The otpauth:// URI of the demo owner's TOTP secret (an authenticator app reads it, or its QR). */
export async function demoUserOtpauthUri(): Promise<string> {
  return (await totpEnrolment(DEMO_USER.totpSecret, DEMO_USER.email)).otpauthUri;
}

/** Creates the demo owner once; a restart (the email already taken) leaves it as it is. */
export async function seedDemoUser(table: TableContext, operatorId: string, now: string): Promise<void> {
  await new DynamoUserStore(table).createUser({
    operatorId,
    userId: DEMO_USER.userId,
    email: DEMO_USER.email,
    role: 'owner',
    status: 'active',
    passwordHash: await hashPassword(DEMO_USER.password),
    totpSecret: DEMO_USER.totpSecret,
    recoveryCodeHashes: DEMO_USER.recoveryCodes.map((code) => sha256(normaliseRecoveryCode(code))),
    createdAt: now,
  });
}
