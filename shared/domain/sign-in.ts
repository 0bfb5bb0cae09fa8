/**
 * Operator users' sign-in, the pure rules (shared/app/users/ applies them). Three kinds of failure
 * are counted, each in its own record (ports/users.ts SignInFailureSubject):
 * - wrong passwords per account and per source address: after `freeFailures` the subject backs off
 *   for a period that doubles with each further failure, like the chargers' login back-off
 *   (shared/app/ocpp/login-backoff.ts), so a guesser is slowed without a victim being locked out;
 * - wrong second factors per user: those follow a correct password, so a guesser there already
 *   holds the password; after `maxSecondFactorFailures` the account is locked for `lockoutMs`, with
 *   a message that says until when.
 * A refused attempt is not counted (a flood would otherwise keep a subject locked for ever), and a
 * success clears nothing: the success path writes only the session, the counts expire with their
 * window.
 */

export interface FailureCount {
  failures: number;
  lastFailureAtMs: number;
}

export const SIGN_IN_LIMITS = {
  /** Wrong passwords allowed within the window before the first back-off. */
  freeFailures: 5,
  firstBackoffMs: 1_000,
  maxBackoffMs: 15 * 60 * 1_000,
  /** Wrong second factors (after a correct password) before the account is locked. */
  maxSecondFactorFailures: 5,
  lockoutMs: 15 * 60 * 1_000,
  /** A count restarts once this long has passed without a failure. */
  windowMs: 60 * 60 * 1_000,
} as const;

/** Epoch ms until which a subject with these wrong passwords is refused; 0 when it is not. */
export function passwordBackoffUntilMs(count: FailureCount | undefined): number {
  if (!count || count.failures < SIGN_IN_LIMITS.freeFailures) return 0;
  const doublings = Math.min(count.failures - SIGN_IN_LIMITS.freeFailures, 20);
  const backoffMs = Math.min(SIGN_IN_LIMITS.firstBackoffMs * 2 ** doublings, SIGN_IN_LIMITS.maxBackoffMs);
  return count.lastFailureAtMs + backoffMs;
}

/** Epoch ms until which a user with these wrong second factors is locked out; 0 when not. */
export function secondFactorLockedUntilMs(count: FailureCount | undefined): number {
  if (!count || count.failures < SIGN_IN_LIMITS.maxSecondFactorFailures) return 0;
  return count.lastFailureAtMs + SIGN_IN_LIMITS.lockoutMs;
}

/** Sessions end after this long without a request, and in any case this long after sign-in. */
export const SESSION_LIMITS = {
  idleSeconds: 30 * 60,
  absoluteSeconds: 12 * 3600,
  /** A request refreshes the idle deadline only when it has moved this much: no write per request. */
  touchEverySeconds: 60,
} as const;

export interface SessionTimes {
  createdAtMs: number;
  lastSeenAtMs: number;
}

/** Epoch ms at which the session ends if nothing refreshes it: idle or absolute, whichever is first. */
export function sessionEndsAtMs(session: SessionTimes): number {
  return Math.min(
    session.lastSeenAtMs + SESSION_LIMITS.idleSeconds * 1000,
    session.createdAtMs + SESSION_LIMITS.absoluteSeconds * 1000,
  );
}

export const sessionLiveAt = (session: SessionTimes, nowMs: number): boolean =>
  nowMs < sessionEndsAtMs(session);

/** Whether a request at `nowMs` should refresh the session's idle deadline. */
export const sessionNeedsTouch = (session: SessionTimes, nowMs: number): boolean =>
  nowMs - session.lastSeenAtMs >= SESSION_LIMITS.touchEverySeconds * 1000;

/**
 * TOTP (RFC 6238): 30 s steps, 6 digits, one step of drift either way. A step once used is refused
 * again (RFC 6238 §5.2), and so is any earlier step: a code seen over a shoulder cannot be replayed.
 */
export const TOTP = { periodSeconds: 30, digits: 6, windowSteps: 1 } as const;

export const totpStepFresh = (step: number, lastUsedStep: number | undefined): boolean =>
  lastUsedStep === undefined || step > lastUsedStep;

/** The email code (fallback second factor): six digits, ten minutes, used once. */
export const EMAIL_CODE = { digits: 6, lifetimeMs: 10 * 60 * 1000 } as const;

/** Recovery codes: shown once at enrolment, stored hashed, each used once. */
export const RECOVERY_CODES = { count: 10 } as const;

/** How long a sign-in challenge (password accepted, second factor pending) lasts. */
export const CHALLENGE_LIFETIME_MS = 10 * 60 * 1000;

/** How long an invitation link works. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** Emails are compared case-insensitively: the lookup key holds this form. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
