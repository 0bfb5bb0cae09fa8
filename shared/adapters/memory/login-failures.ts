/** LoginFailureRepository in memory, with the DynamoDB adapter's window semantics. */
import type { LoginFailureRecord, LoginFailureRepository, LoginSubject } from '../../ports/login-failures.js';

const keyOf = (subject: LoginSubject): string =>
  'chargerId' in subject ? `cp:${subject.chargerId}` : `ip:${subject.sourceIp}`;

export class MemoryLoginFailures implements LoginFailureRepository {
  private readonly records = new Map<string, LoginFailureRecord & { windowEndsAtMs: number }>();

  private live(subject: LoginSubject, nowMs: number): LoginFailureRecord | undefined {
    const stored = this.records.get(keyOf(subject));
    if (!stored || stored.windowEndsAtMs <= nowMs) return undefined;
    return { failures: stored.failures, lastFailureAtMs: stored.lastFailureAtMs };
  }

  async read(
    attempt: { chargerId: string; sourceIp: string | undefined },
    nowMs: number,
  ): Promise<{ charger?: LoginFailureRecord; address?: LoginFailureRecord }> {
    const charger = this.live({ chargerId: attempt.chargerId }, nowMs);
    const address =
      attempt.sourceIp !== undefined ? this.live({ sourceIp: attempt.sourceIp }, nowMs) : undefined;
    return { ...(charger ? { charger } : {}), ...(address ? { address } : {}) };
  }

  async recordFailure(subject: LoginSubject, atMs: number, windowMs: number): Promise<LoginFailureRecord> {
    const failures = (this.live(subject, atMs)?.failures ?? 0) + 1;
    this.records.set(keyOf(subject), { failures, lastFailureAtMs: atMs, windowEndsAtMs: atMs + windowMs });
    return { failures, lastFailureAtMs: atMs };
  }

  async clear(subject: LoginSubject): Promise<void> {
    this.records.delete(keyOf(subject));
  }
}
