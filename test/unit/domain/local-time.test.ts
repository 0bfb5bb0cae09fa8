import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isValidTimeZone,
  localWeekMinute,
  MINUTES_PER_WEEK,
  segmentAt,
  utcOffsetSeconds,
} from '../../../shared/domain/local-time.js';
import { at } from '../../fixtures/builders/pricing.js';

describe('utcOffsetSeconds', () => {
  it.each([
    ['Europe/London', '2026-01-15T12:00:00Z', 0],
    ['Europe/London', '2026-07-15T12:00:00Z', 3600],
    // Spring forward at 01:00 UTC on 29 March 2026, back at 01:00 UTC on 25 October 2026.
    ['Europe/London', '2026-03-29T00:59:59Z', 0],
    ['Europe/London', '2026-03-29T01:00:00Z', 3600],
    ['Europe/London', '2026-10-25T00:59:59Z', 3600],
    ['Europe/London', '2026-10-25T01:00:00Z', 0],
    ['America/New_York', '2026-01-15T12:00:00Z', -5 * 3600],
    ['Asia/Kathmandu', '2026-01-15T12:00:00Z', 5 * 3600 + 45 * 60],
    ['Australia/Lord_Howe', '2026-01-15T12:00:00Z', 11 * 3600],
    ['Australia/Lord_Howe', '2026-07-15T12:00:00Z', 10 * 3600 + 30 * 60],
    ['UTC', '2026-07-15T12:00:00Z', 0],
  ])('%s at %s', (zone, instant, offset) => {
    expect(utcOffsetSeconds(zone, at(instant))).toBe(offset);
  });
});

describe('localWeekMinute', () => {
  it('counts from Monday 00:00 local', () => {
    expect(localWeekMinute('Europe/London', at('2026-03-02T00:00:00Z'))).toBe(0); // a Monday, GMT
    expect(localWeekMinute('Europe/London', at('2026-07-05T22:59:00Z'))).toBe(MINUTES_PER_WEEK - 1); // Sunday 23:59 BST
    expect(localWeekMinute('America/New_York', at('2026-03-02T05:00:00Z'))).toBe(0);
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA names only', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('segmentAt', () => {
  const night = [360, 1320]
    .flatMap((m) => Array.from({ length: 7 }, (_, d) => d * 1440 + m))
    .sort((a, b) => a - b);

  it('spans between local boundaries', () => {
    expect(segmentAt('Europe/London', night, at('2026-01-14T23:30:00Z'))).toEqual({
      start: at('2026-01-14T22:00:00Z'),
      end: at('2026-01-15T06:00:00Z'),
    });
    expect(segmentAt('Europe/London', night, at('2026-07-14T23:30:00Z'))).toEqual({
      start: at('2026-07-14T21:00:00Z'),
      end: at('2026-07-15T05:00:00Z'),
    });
  });

  it('ends a segment at a clock change so that local time runs straight inside it', () => {
    // Night of 28-29 March 2026: 22:00 GMT to 06:00 BST, cut at the change (01:00 UTC).
    expect(segmentAt('Europe/London', night, at('2026-03-28T23:00:00Z'))).toEqual({
      start: at('2026-03-28T22:00:00Z'),
      end: at('2026-03-29T01:00:00Z'),
    });
    expect(segmentAt('Europe/London', night, at('2026-03-29T02:00:00Z'))).toEqual({
      start: at('2026-03-29T01:00:00Z'),
      end: at('2026-03-29T05:00:00Z'),
    });
  });

  it('is one endless segment without boundaries', () => {
    expect(segmentAt('Europe/London', [], 0)).toEqual({
      start: Number.NEGATIVE_INFINITY,
      end: Number.POSITIVE_INFINITY,
    });
  });

  it('partitions time: every instant of a segment gets that segment, and local time stays between two boundaries', () => {
    const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.uniqueArray(fc.integer({ min: 0, max: MINUTES_PER_WEEK - 1 }), { minLength: 1, maxLength: 6 }),
        fc.oneof(
          // 2025-2027,
          fc.integer({ min: 1_735_689_600, max: 1_798_761_600 }),
          // and within three days of a clock change somewhere, so that those are hit often.
          fc
            .tuple(
              fc.constantFrom(
                '2026-03-29T01:00:00Z', // London spring
                '2026-10-25T01:00:00Z', // London autumn
                '2026-03-08T07:00:00Z', // New York spring
                '2026-11-01T06:00:00Z', // New York autumn
                '2026-04-04T15:00:00Z', // Lord Howe: back 30 minutes
                '2026-10-03T15:30:00Z', // Lord Howe: forward 30 minutes
              ),
              fc.integer({ min: -3 * 86_400, max: 3 * 86_400 }),
            )
            .map(([change, shift]) => at(change) + shift),
        ),
        (zone, rawBoundaries, instant) => {
          const boundaries = [...rawBoundaries].sort((a, b) => a - b);
          const segment = segmentAt(zone, boundaries, instant);
          expect(segment.start).toBeLessThanOrEqual(instant);
          expect(segment.end).toBeGreaterThan(instant);
          expect(segmentAt(zone, boundaries, segment.start)).toEqual(segment);
          expect(segmentAt(zone, boundaries, segment.end - 1)).toEqual(segment);
          // No boundary strictly inside: the local minute never crosses one within the segment.
          const inside = (m: number) => {
            const first = localWeekMinute(zone, segment.start);
            const distance = (m - first + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
            const length =
              (localWeekMinute(zone, segment.end - 1) - first + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
            return distance > 0 && distance <= length;
          };
          expect(boundaries.filter(inside)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
