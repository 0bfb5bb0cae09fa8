/** Idempotency keys in memory (tests): the same decisions as the DynamoDB adapter's conditions. */
import type {
  IdempotencyBegin,
  IdempotencyKeys,
  IdempotentRequest,
  StoredAnswer,
} from '../../ports/idempotency.js';

interface Held {
  fingerprint: string;
  leaseUntilMs?: number;
  expiresAtMs: number;
  answer?: StoredAnswer;
}

export class MemoryIdempotencyKeys implements IdempotencyKeys {
  private readonly held = new Map<string, Held>();
  private readonly id = (r: IdempotentRequest) => `${r.operatorId}\u0000${r.key}`;

  async begin(
    request: IdempotentRequest,
    times: { nowMs: number; leaseUntilMs: number; keepUntilMs: number },
  ): Promise<IdempotencyBegin> {
    const held = this.held.get(this.id(request));
    const free =
      !held ||
      held.expiresAtMs < times.nowMs ||
      (!held.answer && (held.leaseUntilMs ?? 0) < times.nowMs && held.fingerprint === request.fingerprint);
    if (free) {
      this.held.set(this.id(request), {
        fingerprint: request.fingerprint,
        leaseUntilMs: times.leaseUntilMs,
        expiresAtMs: times.keepUntilMs,
      });
      return { kind: 'started' };
    }
    if (held.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
    return held.answer ? { kind: 'replay', answer: held.answer } : { kind: 'running' };
  }

  async finish(request: IdempotentRequest, answer: StoredAnswer, keepUntilMs: number): Promise<void> {
    const held = this.held.get(this.id(request));
    if (held?.fingerprint === request.fingerprint)
      this.held.set(this.id(request), { ...held, answer, expiresAtMs: keepUntilMs });
  }

  async release(request: IdempotentRequest): Promise<void> {
    const held = this.held.get(this.id(request));
    if (held && !held.answer && held.fingerprint === request.fingerprint) this.held.delete(this.id(request));
  }
}
