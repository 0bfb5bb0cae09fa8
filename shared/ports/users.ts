/**
 * Operator users, their sign-in state and their sessions. Every user item lives in its operator's
 * partition; the global lookups (email → user, session, challenge, invitation) are found only by
 * a normalised email or the SHA-256 of a random token, and name the operator they belong to.
 * Secrets are never stored in the clear: passwords as scrypt, tokens and recovery codes as SHA-256.
 * The TOTP secret is stored as it is (the server must compute codes from it).
 */

import type { Page, PageRequest } from './paging.js';

export type UserRole = 'owner' | 'staff';

export interface UserRecord {
  operatorId: string;
  userId: string;
  /** Normalised (domain/sign-in.ts normaliseEmail). */
  email: string;
  role: UserRole;
  /** `invited` until the invitation is accepted with a password and a confirmed TOTP. */
  status: 'invited' | 'active';
  passwordHash?: string;
  /** Base32; set once TOTP is confirmed. */
  totpSecret?: string;
  /** The latest TOTP step accepted: it and every earlier step are refused. */
  totpLastStep?: number;
  /** SHA-256 (hex) of the unused recovery codes. */
  recoveryCodeHashes: string[];
  createdAt: string;
}

/** Password accepted, second factor pending. Keyed by the SHA-256 of the token the browser holds. */
export interface SignInChallenge {
  challengeHash: string;
  operatorId: string;
  userId: string;
  expiresAtMs: number;
  /** The fallback email code, hashed, once one was sent. */
  emailCodeHash?: string;
  emailCodeExpiresAtMs?: number;
}

export interface SessionRecord {
  sessionHash: string;
  operatorId: string;
  userId: string;
  /** The CSRF token (random, per session): sent back in a header on state-changing requests. */
  csrfToken: string;
  createdAtMs: number;
  lastSeenAtMs: number;
}

export interface InvitationRecord {
  invitationHash: string;
  operatorId: string;
  userId: string;
  email: string;
  expiresAtMs: number;
}

export type SignInFailureSubject =
  | { account: string }
  | { address: string }
  | { secondFactorOf: { operatorId: string; userId: string } };

export interface FailureRecord {
  failures: number;
  lastFailureAtMs: number;
}

/** What completes a sign-in; all of it happens or none of it does. */
export interface CompleteSignIn {
  challengeHash: string;
  session: SessionRecord;
  /** The TOTP step used: stored only if later than the one stored (else nothing happens). */
  totpStep?: number;
  /** The recovery code used: removed only if still there (else nothing happens). */
  recoveryCodeHash?: string;
}

export interface UserStore {
  /** The user and its email lookup, unless the email is taken by any user of any operator. */
  createUser(user: UserRecord): Promise<'created' | 'email-taken'>;
  userByEmail(email: string): Promise<UserRecord | undefined>;
  user(operatorId: string, userId: string): Promise<UserRecord | undefined>;
  /** Sets the password and confirmed TOTP of an invited user and makes it active. */
  activateUser(
    operatorId: string,
    userId: string,
    activation: {
      passwordHash: string;
      totpSecret: string;
      totpLastStep: number;
      recoveryCodeHashes: string[];
    },
  ): Promise<'activated' | 'not-invited'>;
  /** One page of the operator's users, in user id order; a forged cursor throws InvalidCursorError. */
  listUsers(operatorId: string, page: PageRequest): Promise<Page<UserRecord>>;
  /** Every user of the operator (an operator has a handful): for the last-owner rule. */
  allUsers(operatorId: string): Promise<UserRecord[]>;
  setRole(operatorId: string, userId: string, role: UserRole): Promise<'updated' | 'not-found'>;
  /**
   * Removes the user and its email lookup together (the email may be invited again). Its sessions
   * stop working at once: a session is honoured only while its user exists (operator-auth.ts).
   */
  deleteUser(operatorId: string, userId: string): Promise<'deleted' | 'not-found'>;
  /** Replaces an active user's TOTP secret and recovery codes (re-enrolment). */
  replaceSecondFactor(
    operatorId: string,
    userId: string,
    factor: { totpSecret: string; totpLastStep: number; recoveryCodeHashes: string[] },
  ): Promise<void>;

  putChallenge(challenge: SignInChallenge): Promise<void>;
  /** The challenge, unless it expired by `nowMs`. */
  challenge(challengeHash: string, nowMs: number): Promise<SignInChallenge | undefined>;
  setEmailCode(challengeHash: string, codeHash: string, expiresAtMs: number): Promise<void>;
  /**
   * Consumes the challenge and stores the session, atomically, on the conditions that the challenge
   * is still there, the TOTP step is fresh and the recovery code unused: `stale` (nothing written)
   * otherwise, so a code can complete one sign-in only.
   */
  completeSignIn(completion: CompleteSignIn): Promise<'signed-in' | 'stale'>;

  /** The session, unless it ended by `nowMs` (domain/sign-in.ts sessionLiveAt). */
  session(sessionHash: string, nowMs: number): Promise<SessionRecord | undefined>;
  touchSession(sessionHash: string, lastSeenAtMs: number): Promise<void>;
  deleteSession(sessionHash: string): Promise<void>;

  putInvitation(invitation: InvitationRecord): Promise<void>;
  invitation(invitationHash: string, nowMs: number): Promise<InvitationRecord | undefined>;
  deleteInvitation(invitationHash: string): Promise<void>;

  /** The live failure counts of the subjects, in one read; a count past its window reads as absent. */
  failures(subjects: SignInFailureSubject[], nowMs: number): Promise<(FailureRecord | undefined)[]>;
  /** Counts one failure atomically and returns the count after it; past its window it restarts at one. */
  recordFailure(subject: SignInFailureSubject, atMs: number, windowMs: number): Promise<FailureRecord>;
}
