/**
 * Pure pricing bench: no I/O, only the domain. Run with `npx tsx test/bench/pricing-pure.ts`.
 * Measures (1) fold + price of a whole 10,000-sample session from an empty aggregate, and (2) the
 * cost of folding one more sample into a state that already holds 10, 1,000 and 10,000 samples
 * (should be flat: the aggregate is bounded by price segments, not samples), plus pricing it.
 * `measurePricingPure` is exported for the full bench.
 */
import { pathToFileURL } from 'node:url';
import { type ChargeAggregate, foldSamples, initAggregate } from '../../shared/domain/charge-aggregate.js';
import type { EnergySample } from '../../shared/domain/meter.js';
import { priceAggregate } from '../../shared/domain/pricing.js';
import type { Tariff } from '../../shared/domain/tariff.js';
import { aChargingSession, aDayNightTariff, at, DEMO_TARIFF, ms } from '../fixtures/builders/pricing.js';

export interface PricingPureResult {
  tariff: string;
  /** Median ms to fold a whole session of `sessionSamples` samples into an empty aggregate and price it. */
  foldAndPriceSessionMs: number;
  sessionSamples: number;
  /** Bytes of the aggregate as JSON after the whole session. */
  stateBytes: number;
  /** Median microseconds to fold one more sample, by how many samples the state already holds. */
  foldOneMoreMicros: Record<number, number>;
  /** Median microseconds to price, by the same sizes. */
  priceMicros: Record<number, number>;
  /** Median microseconds to price with a tariff just read from storage (validated and compiled again). */
  priceWithFreshTariffMicros: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

// Deterministic shuffle (a fixed LCG) so that the bench also covers out-of-order arrival.
function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Measures pure fold + price costs; see the module comment. */
export function measurePricingPure(
  options: {
    tariff?: Tariff;
    tariffName?: string;
    sessionSamples?: number;
    sizes?: number[];
    runs?: number;
  } = {},
): PricingPureResult {
  const tariff = options.tariff ?? DEMO_TARIFF;
  const sessionSamples = options.sessionSamples ?? 10_000;
  const sizes = options.sizes ?? [10, 1_000, 10_000];
  const runs = options.runs ?? 31;
  const startedAt = at('2026-01-14T20:00:00Z');
  const maxSize = Math.max(sessionSamples, ...sizes) + 1;
  // A reading every 15 s (a fast meter): 10,000 samples span ~42 h, crossing several night bands.
  const session = aChargingSession(maxSize, { startedAt, everySeconds: 15, whPerSample: 30 });
  const init = () =>
    initAggregate({ tariff, startedAtMs: ms(startedAt), meterStartWh: session.meterStartWh });
  const whole = shuffled(session.samples.slice(0, sessionSamples));

  let state: ChargeAggregate = init();
  const sessionTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    sessionTimes.push(
      time(() => {
        state = foldSamples(init(), whole);
        priceAggregate(tariff, state, {
          stoppedAtMs: whole.length ? (session.samples[sessionSamples - 1]?.atMs ?? null) : null,
        });
      }),
    );
  }
  const stateBytes = JSON.stringify(state).length;

  const foldOneMoreMicros: Record<number, number> = {};
  const priceMicros: Record<number, number> = {};
  for (const size of sizes) {
    const existing = foldSamples(init(), session.samples.slice(0, size));
    // Alternate between the next sample in order and one arriving late from the middle of the
    // session (the case a sample log would pay for by re-reading everything).
    const middle = session.samples[Math.floor(size / 2)] as EnergySample;
    const extra: EnergySample = { ...middle, atMs: middle.atMs + 1000 };
    const next: EnergySample = session.samples[size] as EnergySample;
    const folds: number[] = [];
    const prices: number[] = [];
    const reps = runs * 20;
    for (let rep = 0; rep < reps; rep++) {
      const sample = rep % 2 === 0 ? next : extra;
      let folded = existing;
      folds.push(time(() => (folded = foldSamples(existing, [sample]))));
      prices.push(time(() => priceAggregate(tariff, folded)));
    }
    foldOneMoreMicros[size] = Math.round(median(folds) * 1000 * 10) / 10;
    priceMicros[size] = Math.round(median(prices) * 1000 * 10) / 10;
  }
  // In a Lambda the snapshot is a fresh object read from DynamoDB each time, so it is validated and
  // its band tables built again: measure that too.
  const stored = JSON.stringify(tariff);
  const coldPrices: number[] = [];
  for (let run = 0; run < runs; run++) {
    const fresh = JSON.parse(stored) as Tariff;
    coldPrices.push(time(() => priceAggregate(fresh, state)));
  }
  return {
    tariff: options.tariffName ?? tariff.id,
    foldAndPriceSessionMs: Math.round(median(sessionTimes) * 1000) / 1000,
    sessionSamples,
    stateBytes,
    foldOneMoreMicros,
    priceMicros,
    priceWithFreshTariffMicros: Math.round(median(coldPrices) * 1000 * 10) / 10,
  };
}

function report(result: PricingPureResult): void {
  const sizes = Object.keys(result.foldOneMoreMicros);
  console.log(`tariff ${result.tariff}`);
  console.log(
    `  fold + price a ${result.sessionSamples.toLocaleString('en-GB')}-sample session: ${result.foldAndPriceSessionMs} ms (target ≤ 5 ms), state ${result.stateBytes} bytes`,
  );
  for (const size of sizes) {
    const n = Number(size);
    console.log(
      `  one more sample at ${n.toLocaleString('en-GB').padStart(6)} existing: fold ${result.foldOneMoreMicros[n]} µs, price ${result.priceMicros[n]} µs`,
    );
  }
  console.log(
    `  price with a tariff fresh from storage (validate + compile): ${result.priceWithFreshTariffMicros} µs`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Warm up the JIT and the time-zone caches once, then measure.
  measurePricingPure({ runs: 5 });
  measurePricingPure({ tariff: aDayNightTariff(), runs: 5 });
  const results = [
    measurePricingPure({ tariffName: 'demo (single price)' }),
    measurePricingPure({
      tariff: aDayNightTariff(),
      tariffName: 'day/night (night band 22:00-06:00, Europe/London)',
    }),
  ];
  for (const result of results) report(result);
  const worst = Math.max(...results.map((r) => r.foldAndPriceSessionMs));
  if (worst > 5) {
    console.log(`WARNING: ${worst} ms is over the 5 ms target`);
    process.exitCode = 1;
  }
}
