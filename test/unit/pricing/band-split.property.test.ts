/**
 * Property: energy delivered across a band boundary is split linearly by time between the two
 * readings either side of it (ENERGY_SPLIT_LINEAR_HALF_UP), whatever order the readings arrive in
 * and however they are batched. The reference below is written from the README's rule, not from
 * the aggregate: it walks every pair of consecutive readings and cuts it at the band changes it
 * finds by plain UTC arithmetic (January, so London time is UTC). Instants are random to the
 * millisecond, as chargers send them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSamples, initAggregate } from '../../../shared/domain/charge-aggregate.js';
import type { EnergySample } from '../../../shared/domain/meter.js';
import { priceAggregate } from '../../../shared/domain/pricing.js';
import { aDayNightTariff, at, ms } from '../../fixtures/builders/pricing.js';

const tariff = aDayNightTariff(); // element 0 by day, element 1 from 22:00 to 06:00
const START_MS = ms(at('2026-01-14T20:00:00Z'));
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// Band changes in the first 36 hours: 22:00, 06:00, 22:00 (milliseconds after START_MS).
const BOUNDARIES = [2 * HOUR_MS, 10 * HOUR_MS, 26 * HOUR_MS];
const SPAN_MS = 36 * HOUR_MS;

const bandAt = (epochMs: number): number => {
  const hour = Math.floor((((epochMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  return hour >= 22 || hour < 6 ? 1 : 0;
};

/** The instants in (fromMs, toMs) where the band changes: 06:00 and 22:00 UTC each day. */
function bandChanges(fromMs: number, toMs: number): number[] {
  const changes: number[] = [];
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS) {
    for (const t of [day + 6 * HOUR_MS, day + 22 * HOUR_MS]) if (t > fromMs && t < toMs) changes.push(t);
  }
  return changes;
}

/** Per band energy (mWh) of readings sorted by time, from meterStart at START_MS. */
function referenceSplit(readings: readonly { atMs: number; milliWh: number }[], meterStartMilliWh: number) {
  const byBand = new Map<number, bigint>();
  const add = (band: number, milliWh: bigint) => {
    if (milliWh > 0n) byBand.set(band, (byBand.get(band) ?? 0n) + milliWh);
  };
  let previous = { atMs: START_MS, milliWh: meterStartMilliWh };
  for (const reading of readings) {
    const energy = BigInt(reading.milliWh - previous.milliWh);
    const span = BigInt(reading.atMs - previous.atMs);
    let attributed = 0n;
    let from = previous.atMs;
    for (const change of bandChanges(previous.atMs, reading.atMs)) {
      const exact2 = 2n * energy * BigInt(change - previous.atMs); // twice E x elapsed, over 2 x span
      const upTo = (exact2 + span) / (2n * span);
      add(bandAt(from), upTo - attributed);
      attributed = upTo;
      from = change;
    }
    add(bandAt(from), energy - attributed);
    previous = reading;
  }
  return [...byBand.entries()].sort((a, b) => a[0] - b[0]).map(([band, e]) => [band, Number(e)]);
}

const nearBoundary = fc
  .record({
    boundary: fc.constantFrom(...BOUNDARIES),
    offset: fc.integer({ min: -1_500_000, max: 1_500_000 }),
  })
  .map(({ boundary, offset }) => boundary + offset);
// Millisecond offsets: readings in one second keep their order, and a split is timed to the ms.
const readingsArb = fc
  .uniqueArray(fc.oneof(nearBoundary, fc.integer({ min: 1, max: SPAN_MS }), fc.constantFrom(...BOUNDARIES)), {
    minLength: 1,
    maxLength: 25,
  })
  .chain((offsets) =>
    fc.record({
      offsets: fc.constant(offsets.filter((o) => o > 0).sort((a, b) => a - b)),
      steps: fc.array(fc.integer({ min: 0, max: 9_000_000 }), {
        minLength: offsets.length,
        maxLength: offsets.length,
      }),
      order: fc.shuffledSubarray(
        offsets.map((_, i) => i),
        { minLength: offsets.length, maxLength: offsets.length },
      ),
      cuts: fc.array(fc.nat({ max: offsets.length }), { maxLength: 6 }),
    }),
  );

describe('energy across band boundaries (fast-check)', () => {
  it('per band energy is the linear split, independent of arrival order and batching', () => {
    fc.assert(
      fc.property(readingsArb, ({ offsets, steps, order, cuts }) => {
        const meterStartWh = 50_000;
        let milliWh = meterStartWh * 1000;
        const readings = offsets.map((offset, i) => {
          milliWh += steps[i] ?? 0;
          return { atMs: START_MS + offset, milliWh };
        });
        const samples: EnergySample[] = readings.map((r) => ({
          atMs: r.atMs,
          milliWh: r.milliWh,
          kind: 'register',
        }));
        const arrived = order.filter((i) => i < samples.length).map((i) => samples[i] as EnergySample);
        const edges = [...new Set([0, ...cuts.filter((c) => c <= arrived.length), arrived.length])].sort(
          (a, b) => a - b,
        );
        let state = initAggregate({ tariff, startedAtMs: START_MS, meterStartWh });
        for (let k = 1; k < edges.length; k++)
          state = foldSamples(state, arrived.slice(edges[k - 1], edges[k]));
        const lastAtMs = readings[readings.length - 1]?.atMs ?? START_MS;
        const charge = priceAggregate(tariff, state, { stoppedAtMs: lastAtMs });
        const billed = charge.lines
          .filter((l) => l.component === 'ENERGY')
          .map((l) => [l.elementIndex, l.quantity]);
        expect(billed).toEqual(referenceSplit(readings, meterStartWh * 1000));
      }),
      { numRuns: 300 },
    );
  });
});
