/** Rate limits in memory for unit tests, with the DynamoDB adapter's sliding window. */
import { type RateLimits, type RateSubject, type RateTake, slideWindow } from '../../ports/rate-limits.js';

export class MemoryRateLimits implements RateLimits {
  readonly uses = new Map<string, number[]>();

  async take(subject: RateSubject, limit: number, windowMs: number, atMs: number): Promise<RateTake> {
    const key = `${subject.operatorId}/${subject.action}/${subject.resourceId}`;
    const { recent, refusal } = slideWindow(this.uses.get(key) ?? [], limit, windowMs, atMs);
    if (refusal) return refusal;
    this.uses.set(key, [...recent, atMs]);
    return { taken: true };
  }
}
