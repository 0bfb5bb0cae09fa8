import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyseEnergy,
  type ChargeAggregate,
  foldSamples,
  initAggregate,
} from '../../../shared/domain/charge-aggregate.js';
import { InvalidArgumentError } from '../../../shared/domain/errors.js';
import type { EnergySample } from '../../../shared/domain/meter.js';
import { priceAggregate } from '../../../shared/domain/pricing.js';
import type { Tariff } from '../../../shared/domain/tariff.js';
import {
  aChargingSession,
  aDayNightTariff,
  at,
  DEMO_TARIFF,
  interval,
  ms,
  register,
} from '../../fixtures/builders/pricing.js';

const START = at('2026-01-14T20:00:00Z');

function fresh(tariff: Tariff = DEMO_TARIFF, meterStartWh = 1_000_000, startedAt = START): ChargeAggregate {
  return initAggregate({ tariff, startedAtMs: ms(startedAt), meterStartWh });
}

describe('foldSamples: bounded state', () => {
  it('keeps 10,000 samples on a single-price tariff in one bucket', () => {
    const session = aChargingSession(10_000, { startedAt: START });
    const state = foldSamples(fresh(DEMO_TARIFF, session.meterStartWh), session.samples);
    expect(state.register).toHaveLength(1);
    expect(state.register[0]).toEqual({
      fromMs: 0,
      first: { atMs: ms(START + 60), milliWh: (1_000_000 + 120) * 1000 },
      last: { atMs: ms(START + 600_000), milliWh: (1_000_000 + 1_200_000) * 1000 },
      peak: { atMs: ms(START + 600_000), milliWh: (1_000_000 + 1_200_000) * 1000 },
      trough: { atMs: ms(START + 60), milliWh: (1_000_000 + 120) * 1000 },
    });
    expect(JSON.stringify(state).length).toBeLessThan(600);
  });

  it('keeps one bucket per price segment on a day/night tariff: a week of minutes is 15 buckets', () => {
    const tariff = aDayNightTariff();
    const session = aChargingSession(7 * 1440, { startedAt: START, whPerSample: 5 });
    const state = foldSamples(fresh(tariff, session.meterStartWh), session.samples);
    // 20:00 Wednesday to 20:00 next Wednesday: day, then 7 × (night, day).
    expect(state.register).toHaveLength(15);
    expect(JSON.stringify(state).length).toBeLessThan(5000);
  });
});

describe('foldSamples: late and duplicate samples', () => {
  const samples = [
    register(START + 60, 1_000_500),
    register(START + 120, 1_001_000),
    register(START + 180, 1_001_500),
  ];

  it('a late sample from the middle of a bucket changes nothing (same object back)', () => {
    const state = foldSamples(fresh(), [samples[0]!, samples[2]!]);
    expect(foldSamples(state, [samples[1]!])).toBe(state);
  });

  it('a late sample earlier than the first reading becomes the first', () => {
    const state = foldSamples(fresh(), [samples[1]!, samples[2]!]);
    const next = foldSamples(state, [samples[0]!]);
    expect(next.register[0]?.first).toEqual({ atMs: ms(START + 60), milliWh: 1_000_500_000 });
    expect(next).toEqual(foldSamples(fresh(), samples));
  });

  it('a duplicate is a no-op', () => {
    const state = foldSamples(fresh(), samples);
    expect(foldSamples(state, [samples[1]!, samples[1]!])).toBe(state);
    expect(foldSamples(state, [])).toBe(state);
  });

  it('two readings with one timestamp: the lower is first, the higher is last', () => {
    const state = foldSamples(fresh(), [register(START + 60, 1_000_600), register(START + 60, 1_000_500)]);
    expect(state.register[0]?.first.milliWh).toBe(1_000_500_000);
    expect(state.register[0]?.last.milliWh).toBe(1_000_600_000);
  });
});

describe('interval values', () => {
  it('are summed once each while no register reading exists, then dropped for the register', () => {
    const intervals = [interval(START + 60, 100), interval(START + 120, 150), interval(START + 120, 150)];
    const state = foldSamples(fresh(), intervals);
    expect(state.intervals).toHaveLength(2);
    expect(state.flags.source).toBe('interval');
    expect(analyseEnergy(state).totalMilliWh).toBe(250_000);
    expect(foldSamples(state, [interval(START + 60, 100)])).toBe(state);
    const withRegister = foldSamples(state, [register(START + 180, 1_000_300)]);
    expect(withRegister.intervals).toEqual([]);
    expect(withRegister.flags.source).toBe('register');
    expect(analyseEnergy(withRegister).totalMilliWh).toBe(300_000);
  });
});

describe('baseline: lifetime register or per-session register', () => {
  it.each([
    [
      'lifetime register consistent with meterStart',
      1_234_567,
      [
        [0, 1_234_567],
        [600, 1_244_567],
      ],
      'meter-start',
      10_000,
    ],
    [
      'register restarts each session (meterStart from a lifetime counter)',
      1_234_567,
      [
        [0, 0],
        [600, 10_000],
      ],
      'per-session-register',
      10_000,
    ],
    [
      'per-session register without a begin reading: counted from 0',
      1_234_567,
      [[600, 10_000]],
      'per-session-register',
      10_000,
    ],
    [
      'meterStart sent as 0 by a lifetime register: counted from the first reading',
      0,
      [
        [60, 5_000_000],
        [600, 5_010_000],
      ],
      'first-reading',
      10_000,
    ],
    [
      'kWh register rounding below meterStart: counted from the first reading',
      1_234_567,
      [
        [0, 1_234_500],
        [600, 1_244_500],
      ],
      'first-reading',
      10_000,
    ],
    [
      'meterStart 0 and a register that starts at 0',
      0,
      [
        [0, 0],
        [600, 10_000],
      ],
      'meter-start',
      10_000,
    ],
  ] as const)('%s', (_, meterStartWh, readings, baseline, energyWh) => {
    const state = foldSamples(
      fresh(DEMO_TARIFF, meterStartWh),
      readings.map(([offset, wh]) => register(START + offset, wh)),
    );
    expect(state.flags.baseline).toBe(baseline);
    expect(analyseEnergy(state).totalMilliWh).toBe(energyWh * 1000);
  });

  it('has no baseline without register readings', () => {
    expect(fresh().flags.baseline).toBe('none');
    expect(analyseEnergy(fresh()).totalMilliWh).toBe(0);
  });

  it('uses the charger rating to tell a lifetime register from a plausible first reading', () => {
    // 30 kWh one minute after the start is plausible at 4 MW, not for a 22 kW charger.
    const readings = [register(START + 60, 30_000), register(START + 600, 30_100)];
    const unknown = foldSamples(
      initAggregate({ tariff: DEMO_TARIFF, startedAtMs: ms(START), meterStartWh: 0 }),
      readings,
    );
    const rated = foldSamples(
      initAggregate({ tariff: DEMO_TARIFF, startedAtMs: ms(START), meterStartWh: 0, maxPowerW: 22_000 }),
      readings,
    );
    expect(analyseEnergy(unknown).totalMilliWh).toBe(30_100_000);
    expect(rated.flags.baseline).toBe('first-reading');
    expect(analyseEnergy(rated).totalMilliWh).toBe(100_000);
  });
});

describe('resets and negative deltas are flagged and never billed', () => {
  it.each([
    [
      'a reset to zero inside a bucket: before and after are billed, the fall and its unknown edges are not',
      [
        [900, 505_000],
        [1800, 510_000],
        [2700, 2_000],
        [3600, 6_000],
      ],
      { meterReset: true, negativeDelta: false },
      // (510 000 - 500 000) + (6 000 - 2 000) = 14 000 Wh
      14_000,
    ],
    [
      'a glitch: one reading 10 Wh low',
      [
        [900, 500_100],
        [1800, 500_090],
        [2700, 500_200],
      ],
      { meterReset: false, negativeDelta: true },
      // last - baseline: 500 200 - 500 000
      200,
    ],
    [
      'a register that only goes down',
      [
        [900, 499_000],
        [1800, 498_000],
      ],
      { meterReset: false, negativeDelta: true },
      0,
    ],
  ] as const)('%s', (_, readings, flags, energyWh) => {
    const state = foldSamples(
      fresh(DEMO_TARIFF, 500_000),
      readings.map(([offset, wh]) => register(START + offset, wh)),
    );
    expect(state.flags).toMatchObject(flags);
    expect(analyseEnergy(state).totalMilliWh).toBe(energyWh * 1000);
  });

  it('a reset across a band boundary bills nothing for the fall', () => {
    const tariff = aDayNightTariff();
    // 21:00 and 21:30 in the day bucket, then the register restarts: 22:30 and 23:00 at night.
    const readings = [
      register(START + 3600, 510_000),
      register(START + 5400, 515_000),
      register(START + 9000, 1_000),
      register(START + 10_800, 4_000),
    ];
    const state = foldSamples(fresh(tariff, 500_000), readings);
    expect(state.register).toHaveLength(2);
    expect(state.flags.meterReset).toBe(true);
    // 15 000 Wh by day + 3 000 Wh at night; the 515 000 → 1 000 fall is not billed.
    expect(analyseEnergy(state).totalMilliWh).toBe(18_000_000);
  });
});

describe('foldSamples refuses what is not a normalised sample', () => {
  it.each([
    [{ atMs: 1.5, kind: 'register', milliWh: 1 }],
    [{ atMs: 1, kind: 'register', milliWh: -1 }],
    [{ atMs: 1, kind: 'register', milliWh: 0.5 }],
    [{ atMs: 1, kind: 'power', milliWh: 1 }],
    [{ at: 1, kind: 'register', milliWh: 1 }],
  ])('%j', (sample) => {
    expect(() => foldSamples(fresh(), [sample as unknown as EnergySample])).toThrow(InvalidArgumentError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: the aggregate is a join-semilattice, so order, batching and repetition cannot matter.

const tariff = aDayNightTariff();
// Samples over 30 hours around two night bands (boundaries at 22:00 and 06:00), any values, both
// kinds: the laws must hold for nonsense data as well as for a well-behaved meter.
const sampleArb: fc.Arbitrary<EnergySample> = fc.record({
  atMs: fc.integer({ min: ms(START - 120), max: ms(START + 30 * 3600) }),
  kind: fc.constantFrom<EnergySample['kind']>('register', 'register', 'register', 'interval'),
  milliWh: fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom(0, 1_000_000_000)),
});
const sessionArb = fc.array(sampleArb, { minLength: 0, maxLength: 60 }).chain((samples) =>
  fc.record({
    samples: fc.constant(samples),
    permuted: fc.shuffledSubarray(samples, { minLength: samples.length, maxLength: samples.length }),
    cuts: fc.array(fc.nat({ max: samples.length }), { maxLength: 8 }),
    repeats: fc.subarray(samples),
    meterStartWh: fc.constantFrom(0, 1_000_000, 2_000_000),
    stoppedAfter: fc.option(fc.integer({ min: 0, max: 31 * 3600 }), { nil: null }),
  }),
);

function foldInChunks(state: ChargeAggregate, samples: readonly EnergySample[], cuts: readonly number[]) {
  const edges = [...new Set([0, ...cuts, samples.length])].sort((a, b) => a - b);
  let result = state;
  for (let i = 1; i < edges.length; i++) result = foldSamples(result, samples.slice(edges[i - 1], edges[i]));
  return result;
}

describe('foldSamples laws (fast-check)', () => {
  it('any order, any split, any repetition → the same state and the same charge', () => {
    fc.assert(
      fc.property(sessionArb, ({ samples, permuted, cuts, repeats, meterStartWh, stoppedAfter }) => {
        const init = fresh(tariff, meterStartWh);
        const once = foldSamples(init, samples);
        const reordered = foldSamples(init, permuted);
        const split = foldInChunks(init, permuted, cuts);
        const repeated = foldSamples(foldSamples(init, [...repeats, ...samples]), repeats);
        expect(reordered).toEqual(once);
        expect(split).toEqual(once);
        expect(repeated).toEqual(once);
        // Folding what is already in is a no-op: the same object comes back, nothing to write.
        expect(foldSamples(once, repeats)).toBe(once);
        const times = { stoppedAtMs: stoppedAfter === null ? null : ms(START + stoppedAfter) };
        const charge = priceAggregate(tariff, once, times);
        expect(priceAggregate(tariff, split, times)).toEqual(charge);
        expect(priceAggregate(tariff, JSON.parse(JSON.stringify(repeated)), times)).toEqual(charge);
      }),
      { numRuns: 300 },
    );
  });

  it('the state is plain JSON and survives a round trip', () => {
    fc.assert(
      fc.property(sessionArb, ({ samples, meterStartWh }) => {
        const state = foldSamples(fresh(tariff, meterStartWh), samples);
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      }),
      { numRuns: 100 },
    );
  });
});
