/**
 * Operator users' sign-in: password, then a second factor (TOTP, a recovery code, or a code sent by
 * email), then a session. The rules are in domain/sign-in.ts; this applies them over the store.
 *
 * Enumeration: an unknown email costs the same scrypt as a known one and answers the same
 * `wrong-credentials`. Only after a correct password does the caller learn anything about the user.
 */
import * as z from 'zod';
import {
  CHALLENGE_LIFETIME_MS,
  EMAIL_CODE,
  normaliseEmail,
  passwordBackoffUntilMs,
  SIGN_IN_LIMITS,
  secondFactorLockedUntilMs,
  sessionNeedsTouch,
} from '../../domain/sign-in.js';
import type { Clock } from '../../ports/clock.js';
import type { Mailer } from '../../ports/mailer.js';
import type { SessionRecord, SignInFailureSubject, UserRecord, UserStore } from '../../ports/users.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { newDigits, newToken, normaliseRecoveryCode, sha256 } from './tokens.js';
import { matchTotp } from './totp.js';

export interface SignInDeps {
  users: UserStore;
  mailer: Mailer;
  clock: Clock;
}

export const SignInBody = z.strictObject({
  email: z.email('email must be an email address').max(254),
  password: z.string().min(1, 'password must not be empty').max(200),
});

export const SecondFactorBody = z.strictObject({
  challenge: z.string().min(1).max(128),
  method: z.enum(['totp', 'recovery', 'email'], { error: 'method must be totp, recovery or email' }),
  code: z.string().trim().min(1, 'code must not be empty').max(32),
});

export const EmailCodeBody = z.strictObject({ challenge: z.string().min(1).max(128) });

/** A user as the API shows it: no secrets, no storage fields. */
export const UserShape = z.strictObject({
  userId: z.string(),
  operatorId: z.string(),
  email: z.string(),
  role: z.enum(['owner', 'staff']),
  recoveryCodesLeft: z.number().int(),
});
export type UserOut = z.infer<typeof UserShape>;

export const userShapeOf = (user: UserRecord): UserOut => ({
  userId: user.userId,
  operatorId: user.operatorId,
  email: user.email,
  role: user.role,
  recoveryCodesLeft: user.recoveryCodeHashes.length,
});

/** What `POST /api/v1/auth/second-factor` answers (the session itself is in the cookie). */
export const SignedInShape = z.strictObject({ user: UserShape, csrfToken: z.string() });

export const ChallengeShape = z.strictObject({
  challenge: z.string(),
  methods: z.array(z.enum(['totp', 'recovery', 'email'])),
  expiresAt: z.iso.datetime({ offset: true }),
});

// Verified against when the email is unknown, so that both cases cost one scrypt.
let dummyHash: Promise<string> | undefined;
const unknownUserHash = () => {
  dummyHash ??= hashPassword('not a password anyone has');
  return dummyHash;
};

/** Whether an active user's password is this one; an invited user has none yet and never matches. */
async function passwordMatches(user: UserRecord, password: string): Promise<boolean> {
  if (user.status === 'active' && user.passwordHash) return verifyPassword(password, user.passwordHash);
  await verifyPassword(password, await unknownUserHash());
  return false;
}

export type BeginOutcome =
  | { outcome: 'challenge'; challenge: string; expiresAtMs: number }
  | { outcome: 'wrong-credentials' }
  | { outcome: 'slow-down'; retryAtMs: number }
  | { outcome: 'locked'; untilMs: number };

/** Step one: email and password. The address is the caller's source IP (for its own back-off). */
export async function beginSignIn(
  deps: SignInDeps,
  input: z.infer<typeof SignInBody>,
  sourceIp: string | undefined,
): Promise<BeginOutcome> {
  const nowMs = deps.clock.now();
  const email = normaliseEmail(input.email);
  const subjects: SignInFailureSubject[] = [{ account: email }, ...(sourceIp ? [{ address: sourceIp }] : [])];
  const counts = await deps.users.failures(subjects, nowMs);
  const retryAtMs = Math.max(...counts.map(passwordBackoffUntilMs));
  if (retryAtMs > nowMs) return { outcome: 'slow-down', retryAtMs };

  const user = await deps.users.userByEmail(email);
  // An unknown email spends the same scrypt as a known one, so the time taken tells nothing.
  if (!user) await verifyPassword(input.password, await unknownUserHash());
  if (!user || !(await passwordMatches(user, input.password))) {
    await Promise.all(subjects.map((s) => deps.users.recordFailure(s, nowMs, SIGN_IN_LIMITS.windowMs)));
    return { outcome: 'wrong-credentials' };
  }
  const lockedUntil = await lockedUntilMs(deps, user, nowMs);
  if (lockedUntil > nowMs) return { outcome: 'locked', untilMs: lockedUntil };

  const challenge = newToken();
  const expiresAtMs = nowMs + CHALLENGE_LIFETIME_MS;
  await deps.users.putChallenge({
    challengeHash: sha256(challenge),
    operatorId: user.operatorId,
    userId: user.userId,
    expiresAtMs,
  });
  return { outcome: 'challenge', challenge, expiresAtMs };
}

async function lockedUntilMs(deps: SignInDeps, user: UserRecord, nowMs: number): Promise<number> {
  const [count] = await deps.users.failures(
    [{ secondFactorOf: { operatorId: user.operatorId, userId: user.userId } }],
    nowMs,
  );
  return secondFactorLockedUntilMs(count);
}

/** Sends the fallback code for a live challenge; `no-challenge` when it expired or never was. */
export async function sendEmailCode(
  deps: SignInDeps,
  challengeToken: string,
): Promise<'sent' | 'no-challenge' | 'locked'> {
  const nowMs = deps.clock.now();
  const challenge = await deps.users.challenge(sha256(challengeToken), nowMs);
  if (!challenge) return 'no-challenge';
  const user = await deps.users.user(challenge.operatorId, challenge.userId);
  if (!user) return 'no-challenge';
  if ((await lockedUntilMs(deps, user, nowMs)) > nowMs) return 'locked';
  const code = newDigits(EMAIL_CODE.digits);
  // A new code replaces the previous one: only the latest email's code works.
  await deps.users.setEmailCode(challenge.challengeHash, sha256(code), nowMs + EMAIL_CODE.lifetimeMs);
  await deps.mailer.send({
    to: user.email,
    subject: `Your sign-in code: ${code}`,
    text: `Your EV Charging sign-in code is ${code}. It works once, for 10 minutes.\n\nIf you did not try to sign in, change your password: someone knows it.`,
    html: `<p>Your EV Charging sign-in code is <strong>${code}</strong>. It works once, for 10 minutes.</p><p>If you did not try to sign in, change your password: someone knows it.</p>`,
    tags: { purpose: 'sign-in-code' },
  });
  return 'sent';
}

export type SecondFactorOutcome =
  | { outcome: 'signed-in'; sessionId: string; csrfToken: string; user: UserOut }
  | { outcome: 'no-challenge' }
  | { outcome: 'wrong-code'; attemptsLeft: number }
  | { outcome: 'locked'; untilMs: number };

/** Step two: the second factor. Success consumes the challenge and the code, and opens a session. */
export async function completeSecondFactor(
  deps: SignInDeps,
  input: z.infer<typeof SecondFactorBody>,
): Promise<SecondFactorOutcome> {
  const nowMs = deps.clock.now();
  const challengeHash = sha256(input.challenge);
  const challenge = await deps.users.challenge(challengeHash, nowMs);
  if (!challenge) return { outcome: 'no-challenge' };
  const user = await deps.users.user(challenge.operatorId, challenge.userId);
  if (!user) return { outcome: 'no-challenge' };
  const lockedUntil = await lockedUntilMs(deps, user, nowMs);
  if (lockedUntil > nowMs) return { outcome: 'locked', untilMs: lockedUntil };

  const proof = proofOf(user, challenge, input, nowMs);
  const sessionId = newToken();
  const csrfToken = newToken();
  const session: SessionRecord = {
    sessionHash: sha256(sessionId),
    operatorId: user.operatorId,
    userId: user.userId,
    csrfToken,
    createdAtMs: nowMs,
    lastSeenAtMs: nowMs,
  };
  if (proof && (await deps.users.completeSignIn({ challengeHash, session, ...proof })) === 'signed-in') {
    const recoveryUsed = proof.recoveryCodeHash !== undefined ? 1 : 0;
    return {
      outcome: 'signed-in',
      sessionId,
      csrfToken,
      user: { ...userShapeOf(user), recoveryCodesLeft: user.recoveryCodeHashes.length - recoveryUsed },
    };
  }
  // A wrong code, or a right one that a concurrent request used first: both count.
  const count = await deps.users.recordFailure(
    { secondFactorOf: { operatorId: user.operatorId, userId: user.userId } },
    nowMs,
    SIGN_IN_LIMITS.windowMs,
  );
  const until = secondFactorLockedUntilMs(count);
  if (until > nowMs) return { outcome: 'locked', untilMs: until };
  return { outcome: 'wrong-code', attemptsLeft: SIGN_IN_LIMITS.maxSecondFactorFailures - count.failures };
}

function proofOf(
  user: UserRecord,
  challenge: { emailCodeHash?: string; emailCodeExpiresAtMs?: number },
  input: z.infer<typeof SecondFactorBody>,
  nowMs: number,
): { totpStep?: number; recoveryCodeHash?: string } | undefined {
  switch (input.method) {
    case 'totp': {
      if (!user.totpSecret) return undefined;
      const step = matchTotp(user.totpSecret, input.code, nowMs, user.totpLastStep);
      return step === undefined ? undefined : { totpStep: step };
    }
    case 'recovery': {
      const hash = sha256(normaliseRecoveryCode(input.code));
      return user.recoveryCodeHashes.includes(hash) ? { recoveryCodeHash: hash } : undefined;
    }
    case 'email': {
      // The email code lives on the challenge, which completing consumes: it works once.
      const fresh = challenge.emailCodeExpiresAtMs !== undefined && nowMs < challenge.emailCodeExpiresAtMs;
      return fresh && challenge.emailCodeHash === sha256(input.code) ? {} : undefined;
    }
  }
}

/**
 * The live session a session id opens, refreshing its idle deadline at most once a minute (no write
 * on every request). Undefined for an unknown, ended or signed-out session.
 */
export async function liveSession(deps: SignInDeps, sessionId: string): Promise<SessionRecord | undefined> {
  const nowMs = deps.clock.now();
  const session = await deps.users.session(sha256(sessionId), nowMs);
  if (!session) return undefined;
  if (sessionNeedsTouch(session, nowMs)) await deps.users.touchSession(session.sessionHash, nowMs);
  return session;
}

export const signOut = (deps: SignInDeps, sessionId: string): Promise<void> =>
  deps.users.deleteSession(sha256(sessionId));
