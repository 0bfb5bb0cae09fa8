import { describe, expect, it } from 'vitest';
import { MemoryRateLimits } from '../../../shared/adapters/memory/rate-limits.js';

const HOUR = 3600_000;
const payout = (resourceId: string) => ({
  operatorId: 'op1',
  action: 'detailed-invoice' as const,
  resourceId,
});

describe('rate limits (sliding window)', () => {
  it('never more than the limit in any window: the next use waits for the oldest to leave', async () => {
    const limits = new MemoryRateLimits();
    const t0 = 1_900_000_000_000;
    for (const at of [0, 10, 20, 30, 40])
      expect(await limits.take(payout('po1'), 5, HOUR, t0 + at * 60_000)).toEqual({ taken: true });
    // At 50 min: five in the last hour; the one from minute 0 leaves at minute 60.
    expect(await limits.take(payout('po1'), 5, HOUR, t0 + 50 * 60_000)).toEqual({
      taken: false,
      retryAtMs: t0 + HOUR,
    });
    // Refusals are not counted: at minute 60 exactly one more fits, then the next waits for minute 70.
    expect(await limits.take(payout('po1'), 5, HOUR, t0 + HOUR)).toEqual({ taken: true });
    expect(await limits.take(payout('po1'), 5, HOUR, t0 + HOUR + 1)).toEqual({
      taken: false,
      retryAtMs: t0 + 10 * 60_000 + HOUR,
    });
    // Another payout has its own count.
    expect(await limits.take(payout('po2'), 5, HOUR, t0 + HOUR + 1)).toEqual({ taken: true });
  });
});
