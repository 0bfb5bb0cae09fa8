/**
 * Per-connection fairness and rate limiting for the gateway emulator.
 *
 * Why: one charger sending 2,000 Heartbeats in 2.5 s had all of them dispatched at once, so every
 * other charger's reply waited behind that backlog (13 ms → 6.7 s). Two measures fix it:
 * - each connection has one message in flight and a queue of its own, so a backlog delays only the
 *   connection that built it;
 * - each connection has a token bucket (20 msg/s sustained, burst 40 by default). A CALL over it is
 *   answered at once with a CALLERROR and never reaches a route, which makes a flood cheap to refuse.
 *   OCPP 1.6-J has no error code for "too many requests"; `GenericError` is its catch-all, and the
 *   description says "rate limit" so a charger's log tells the operator why.
 * A CALLRESULT or CALLERROR from the charger answers a call the platform made: dropping one would
 * leave a command (RemoteStart, Reset, GetConfiguration…) unanswered, so replies are never refused;
 * they still take their turn in the connection's queue. Written by hand: a token bucket is a dozen
 * lines, and the packages on npm that offer one limit async functions, not frames.
 */

export interface RateLimit {
  /** Tokens added per second: the sustained rate a connection may send CALLs at. */
  ratePerSecond: number;
  /** Bucket size: how many CALLs may arrive at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 20, burst: 40 };

/** The CALLERROR description a charger gets for a CALL over its connection's rate limit. */
export const RATE_LIMIT_DESCRIPTION = 'rate limit';

/** A token bucket on a millisecond clock the caller passes in (so tests need no wall clock). */
export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly limit: RateLimit,
    nowMs: number,
  ) {
    this.tokens = limit.burst;
    this.refilledAtMs = nowMs;
  }

  /** Takes one token if there is one; false when the connection is over its limit. */
  take(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.refilledAtMs);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs * this.limit.ratePerSecond) / 1000);
    this.refilledAtMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The message id of an OCPP-J CALL (`[2, "<id>", "<action>", {...}]`), or undefined for anything
 * else: replies, and frames that are not OCPP at all, which the route answers itself.
 */
export function callMessageId(body: string): string | undefined {
  // Cheap test first: a flood is refused without parsing every frame in full when it is not a CALL.
  if (!/^\s*\[\s*2\s*,/.test(body)) return undefined;
  try {
    const frame: unknown = JSON.parse(body);
    if (Array.isArray(frame) && frame[0] === 2 && typeof frame[1] === 'string') return frame[1];
  } catch {
    // Not JSON: the route answers it (FormationViolation / ProtocolError).
  }
  return undefined;
}

/** The CALLERROR frame for a CALL refused by the rate limit. */
export function rateLimitedCallError(messageId: string): string {
  return JSON.stringify([4, messageId, 'GenericError', RATE_LIMIT_DESCRIPTION, {}]);
}

/**
 * A per-connection queue that runs one task at a time, in arrival order. The socket is paused
 * while the backlog is long (TCP back-pressure on the sender) and resumed once it has drained.
 */
export class SerialQueue {
  private readonly pending: (() => Promise<void>)[] = [];
  private running = false;
  private paused = false;

  constructor(
    private readonly flow: { pause(): void; resume(): void },
    private readonly maxQueued: number,
  ) {}

  get length(): number {
    return this.pending.length;
  }

  push(task: () => Promise<void>): void {
    this.pending.push(task);
    if (!this.paused && this.pending.length >= this.maxQueued) {
      this.paused = true;
      this.flow.pause();
    }
    if (!this.running) void this.drain();
  }

  /** Drops what has not started yet (the gateway is stopping). */
  clear(): void {
    this.pending.length = 0;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let task = this.pending.shift(); task; task = this.pending.shift()) {
        if (this.paused && this.pending.length < this.maxQueued / 2) {
          this.paused = false;
          this.flow.resume();
        }
        // A task never rejects (dispatch logs its own failures); the catch keeps the queue alive.
        await task().catch(() => {});
      }
    } finally {
      this.running = false;
    }
  }
}
