/**
 * Back-off after failed charger logins (issue 9, finding 7). Pure policy over the counts that
 * LoginFailureRepository keeps: after `FREE_FAILURES` failures within the window, a subject (charger
 * id or source address) is refused for a period that starts at one second and doubles with each
 * further failure, up to five minutes. A refused attempt costs one read and no scrypt, and is not
 * itself counted: counting it would let a flood keep a subject locked without ever being checked,
 * and the next real failure after the period already doubles it.
 */
import type { LoginFailureRecord } from '../../ports/login-failures.js';

export const LOGIN_BACKOFF = {
  /** Failures allowed within the window before the first refusal. */
  freeFailures: 5,
  firstBackoffMs: 1_000,
  maxBackoffMs: 5 * 60 * 1_000,
  /** A record restarts once this long has passed without a failure (well above the longest back-off). */
  windowMs: 60 * 60 * 1_000,
} as const;

/** Epoch milliseconds until which the subject is refused; 0 when it is not backing off. */
export function backoffUntilMs(record: LoginFailureRecord | undefined): number {
  if (!record || record.failures < LOGIN_BACKOFF.freeFailures) return 0;
  const doublings = record.failures - LOGIN_BACKOFF.freeFailures;
  // 2^19 s is far past the cap already: stop doubling before the number grows without need.
  const backoffMs = Math.min(
    LOGIN_BACKOFF.firstBackoffMs * 2 ** Math.min(doublings, 20),
    LOGIN_BACKOFF.maxBackoffMs,
  );
  return record.lastFailureAtMs + backoffMs;
}
