/**
 * Per-operator limits on costly requests (a PDF rendered and an email sent per call). Counted in the
 * table, never in memory: each Lambda container would keep its own count.
 */

/** What is limited: one operator's use of one action on one thing (a payout). */
export interface RateSubject {
  operatorId: string;
  action: 'detailed-invoice';
  resourceId: string;
}

export type RateTake = { taken: true } | { taken: false; retryAtMs: number };

export interface RateLimits {
  /**
   * Counts one use at `atMs` when fewer than `limit` were counted in the `windowMs` before it (a
   * sliding window: never more than `limit` in any such span); else counts nothing and says when the
   * oldest use leaves the window.
   */
  take(subject: RateSubject, limit: number, windowMs: number, atMs: number): Promise<RateTake>;
}

/** The uses still in the window ending at `atMs`, and the answer for one more (both adapters use it). */
export function slideWindow(
  usesAtMs: readonly number[],
  limit: number,
  windowMs: number,
  atMs: number,
): { recent: number[]; refusal?: RateTake } {
  const recent = usesAtMs.filter((t) => t > atMs - windowMs).sort((a, b) => a - b);
  if (recent.length < limit) return { recent };
  return { recent, refusal: { taken: false, retryAtMs: (recent[recent.length - limit] ?? atMs) + windowMs } };
}
