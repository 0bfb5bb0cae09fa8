/**
 * Failed charger logins, counted per charger id and per source address, so that the $connect
 * authorizer can refuse a flood at once instead of running scrypt for every attempt
 * (shared/app/ocpp/login-backoff.ts holds the policy; this port only stores the counts).
 */

/** Whose failures: the charger id that was tried, or the address the attempt came from. */
export type LoginSubject = { chargerId: string } | { sourceIp: string };

export interface LoginFailureRecord {
  /** Failures since the record was (re)started; it restarts once `windowMs` passed without one. */
  failures: number;
  /** Epoch milliseconds of the latest failure. */
  lastFailureAtMs: number;
}

export interface LoginFailureRepository {
  /**
   * The live records of the attempt's charger id and source address, in one read. A record whose
   * window (the `windowMs` given with its latest failure) has ended by `nowMs` reads as absent (the
   * TTL that removes it runs late).
   */
  read(
    attempt: { chargerId: string; sourceIp: string | undefined },
    nowMs: number,
  ): Promise<{ charger?: LoginFailureRecord; address?: LoginFailureRecord }>;
  /**
   * Counts one failure atomically (concurrent failures each count) and returns the record after it;
   * a record past its window restarts at one.
   */
  recordFailure(subject: LoginSubject, atMs: number, windowMs: number): Promise<LoginFailureRecord>;
  /** Forgets a subject's failures (a charger that logged in with its password). */
  clear(subject: LoginSubject): Promise<void>;
}
