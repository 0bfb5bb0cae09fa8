/**
 * Property: the same samples, delivered by the stream split across any number of recompute
 * invocations, in any order, with duplicates, some invocations running concurrently, and with the
 * transaction created before or after some of its meter values, give the same stored charge as one
 * invocation that sees everything at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recomputeBatch } from '../../../shared/app/pricing/recompute.js';
import type { Tariff } from '../../../shared/domain/tariff.js';
import type { MeterMessage, PricingTrigger } from '../../../shared/ports/charges.js';
import {
  aDayNightTariff,
  aTariff,
  DEMO_TARIFF,
  energy,
  parking,
  time,
} from '../../fixtures/builders/pricing.js';
import { aTransaction, items, KEY, memoryPricing, mv, stop, txChanged } from './support.js';

const START = '2026-01-14T20:00:00.000Z'; // the night band starts at 22:00 London time
const startMs = Date.parse(START);
const iso = (minutes: number) => new Date(startMs + minutes * 60_000).toISOString();

const TARIFFS: Tariff[] = [
  DEMO_TARIFF,
  aDayNightTariff(30_000, 10_000, [{ components: [time(60_000)] }]),
  aTariff({
    id: 'idle',
    elements: [{ components: [energy(30_000, 0), parking(600_000, 0)] }],
    parkingGraceSeconds: 300,
  }),
];

interface Session {
  tariff: Tariff;
  messages: MeterMessage[];
  stop: { meterStop: number; stoppedAt: string; receivedAt: string } | null;
}

/** Register readings (mostly rising, sometimes flat or glitching) grouped into messages. */
const sessionArb: fc.Arbitrary<Session> = fc
  .record({
    tariff: fc.constantFrom(...TARIFFS),
    steps: fc.array(
      fc.record({ minutes: fc.integer({ min: 1, max: 30 }), wh: fc.integer({ min: -50, max: 2_000 }) }),
      { minLength: 1, maxLength: 40 },
    ),
    groupSizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 40, maxLength: 40 }),
    stopped: fc.boolean(),
    tail: fc.integer({ min: 0, max: 500 }),
  })
  .map(({ tariff, steps, groupSizes, stopped, tail }) => {
    let minute = 0;
    let wh = 10_000;
    const values = steps.map((s) => {
      minute += s.minutes;
      wh = Math.max(wh + s.wh, 0);
      return { timestamp: iso(minute), wh };
    });
    const messages: MeterMessage[] = [];
    for (let i = 0, g = 0; i < values.length; g++) {
      const size = groupSizes[g % groupSizes.length] ?? 1;
      const chunk = values.slice(i, i + size);
      messages.push({
        messageId: `m${g}`,
        source: 'MeterValues',
        receivedAt: iso(minute + 1 + g),
        meterValue: chunk.map((v) => ({
          timestamp: v.timestamp,
          sampledValue: [{ value: String(v.wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        })),
      });
      i += size;
    }
    return {
      tariff,
      messages,
      stop: stopped
        ? { meterStop: wh + tail, stoppedAt: iso(minute + 2), receivedAt: iso(minute + 3) }
        : null,
    };
  });

type Delivery = { kind: 'create' } | { kind: 'stop' } | { kind: 'message'; index: number };

/** Any delivery order (creation before the stop), with duplicates, cut into batches. */
const planArb = (session: Session) =>
  fc
    .record({
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: session.messages.length + 2,
        maxLength: session.messages.length + 2,
      }),
      duplicates: fc.array(fc.record({ of: fc.nat(), at: fc.double({ min: 0, max: 1, noNaN: true }) }), {
        maxLength: 10,
      }),
      cuts: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      concurrent: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
    })
    .map(({ order, duplicates, cuts, concurrent }) => {
      const keyed: { d: Delivery; k: number }[] = session.messages.map((_, index) => ({
        d: { kind: 'message', index },
        k: order[index] ?? 0,
      }));
      const createAt = order[session.messages.length] ?? 0;
      keyed.push({ d: { kind: 'create' }, k: createAt });
      if (session.stop) {
        const stopAt = order[session.messages.length + 1] ?? 0;
        keyed.push({ d: { kind: 'stop' }, k: createAt + (1 - createAt) * stopAt });
      }
      keyed.sort((a, b) => a.k - b.k);
      const sequence = keyed.map((x) => x.d);
      for (const dup of duplicates) {
        const original = sequence[dup.of % sequence.length] as Delivery;
        const from = sequence.indexOf(original) + 1;
        sequence.splice(from + Math.floor(dup.at * (sequence.length - from)), 0, original);
      }
      const batches: Delivery[][] = [[]];
      sequence.forEach((d, i) => {
        batches[batches.length - 1]?.push(d);
        if (cuts[i % cuts.length]) batches.push([]);
      });
      const rounds: Delivery[][][] = [];
      batches
        .filter((b) => b.length > 0)
        .forEach((batch, i) => {
          if (i > 0 && concurrent[i % concurrent.length]) rounds[rounds.length - 1]?.push(batch);
          else rounds.push([batch]);
        });
      return rounds;
    });

const scenarioArb = sessionArb.chain((session) => fc.tuple(fc.constant(session), planArb(session)));

function newWorld(session: Session) {
  const world = memoryPricing({ now: '2026-01-16T00:00:00.000Z' });
  const created = { done: false, stopped: false };
  /** OCPP's writes happen when their record is first delivered; the trigger is what the stream carries. */
  const deliver = (d: Delivery): PricingTrigger => {
    if (d.kind === 'message') {
      const message = session.messages[d.index] as MeterMessage;
      world.store.putMeterMessage(KEY, message);
      return mv(message);
    }
    if (d.kind === 'create') {
      if (!created.done)
        world.store.putTransaction(aTransaction({ startedAt: START, tariffSnapshot: session.tariff }));
      created.done = true;
      return txChanged();
    }
    if (!created.stopped && session.stop) {
      created.stopped = true;
      return stop(world.store, session.stop);
    }
    return txChanged(session.stop?.receivedAt);
  };
  return { world, deliver };
}

const chargeFields = (item: Record<string, unknown> | undefined) => ({
  aggregate: item?.aggregate,
  charge: item?.charge,
  energyMilliWh: item?.energyMilliWh,
  lastSampleReceivedAt: item?.lastSampleReceivedAt,
  stopReceivedAt: item?.stopReceivedAt,
});

describe('recompute is independent of batching, order and repetition', () => {
  it('stores the same charge as one invocation over everything', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ([session, rounds]) => {
        // Reference: everything written, then one invocation.
        const reference = newWorld(session);
        const all: Delivery[] = [
          { kind: 'create' },
          ...session.messages.map((_, index): Delivery => ({ kind: 'message', index })),
          ...(session.stop ? [{ kind: 'stop' } as Delivery] : []),
        ];
        const once = await recomputeBatch(reference.world.deps, items(...all.map(reference.deliver)));
        expect(once.failedIds).toEqual([]);

        const split = newWorld(session);
        for (const round of rounds) {
          const reports = await Promise.all(
            round.map((batch) => recomputeBatch(split.world.deps, items(...batch.map(split.deliver)))),
          );
          for (const r of reports) expect(r.failedIds).toEqual([]);
        }
        expect(chargeFields(split.world.store.item(KEY))).toEqual(
          chargeFields(reference.world.store.item(KEY)),
        );
      }),
      { numRuns: 150 },
    );
  });
});
