/**
 * Reading a transaction's pricing inputs: the tariff snapshot, times (epoch milliseconds for
 * pricing, seconds for finality), the stop reading and the aggregate to fold into. Shared by the recompute and the finaliser so both price
 * a transaction the same way.
 */
import { type ChargeAggregate, initAggregate, type StoredAggregate } from '../../domain/charge-aggregate.js';
import {
  type EnergySample,
  parseTimestamp,
  parseTimestampMs,
  samplesFromStopTransaction,
} from '../../domain/meter.js';
import { type Charge, priceAggregate } from '../../domain/pricing.js';
import { parseTariff, safeParseTariff, type Tariff } from '../../domain/tariff.js';
import type { PricedTransaction, TxKey } from '../../ports/charges.js';

/** Flags pricing adds to the transaction's `chargeFlags` set. */
export type PricingFlag =
  | 'no-tariff'
  | 'tariff-invalid'
  | 'unusable-energy-values'
  | 'sample-after-final'
  /** Stored inputs the pricing cannot use (a negative meterStart, say): not priced, left to the operator. */
  | 'pricing-input-invalid';

/**
 * Aggregates of sessions without a tariff are bucketed like a single-price tariff: one bucket, so
 * the energy is still measured exactly (home sessions track energy, not money). Parsed on first
 * use, not at import: validating it creates the runtime's first `Intl.DateTimeFormat` (the time
 * zone check), which loads ICU data and cost the recompute and the finaliser ~15 ms of every cold
 * start (npm run bench:cold), while most sessions carry a tariff and never need it.
 */
let energyOnly: Tariff | undefined;
function energyOnlyTariff(): Tariff {
  energyOnly ??= parseTariff({
    id: 'energy-only',
    operatorId: 'platform',
    currency: 'GBP',
    timeZone: 'UTC',
    elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: 0, taxRateBp: 0 }] }],
  });
  return energyOnly;
}

// A Lambda container prices the same few snapshots over and over: validate each once. Keyed by the
// snapshot's JSON, so it is a pure memo (no state that could differ between containers).
const tariffMemo = new Map<string, { tariff: Tariff } | { problem: 'tariff-invalid'; message: string }>();
const TARIFF_MEMO_SIZE = 64;

export type TariffOutcome =
  | { tariff: Tariff; problem: null }
  | { tariff: null; problem: 'no-tariff' }
  | { tariff: null; problem: 'tariff-invalid'; message: string };

/** The session's tariff snapshot, validated; none means a free / untracked session (energy only). */
export function tariffOf(tx: Pick<PricedTransaction, 'tariffSnapshot'>): TariffOutcome {
  if (tx.tariffSnapshot === undefined || tx.tariffSnapshot === null)
    return { tariff: null, problem: 'no-tariff' };
  const json = JSON.stringify(tx.tariffSnapshot);
  let memo = tariffMemo.get(json);
  if (!memo) {
    const parsed = safeParseTariff(tx.tariffSnapshot);
    memo = parsed.ok
      ? { tariff: parsed.tariff }
      : { problem: 'tariff-invalid', message: parsed.error.message };
    if (tariffMemo.size >= TARIFF_MEMO_SIZE) tariffMemo.delete(tariffMemo.keys().next().value as string);
    tariffMemo.set(json, memo);
  }
  return 'tariff' in memo ? { tariff: memo.tariff, problem: null } : { tariff: null, ...memo };
}

/** Epoch seconds of a stored ISO-8601 instant, undefined when absent or unreadable. */
export function epochOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  return parseTimestamp(iso) ?? undefined;
}

/**
 * Epoch milliseconds of a stored ISO-8601 instant, undefined when absent or unreadable: receive and
 * finalisation times are ordered by this, not by whole seconds, so events in one second keep their
 * real order.
 */
export function millisOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  return parseTimestampMs(iso) ?? undefined;
}

/** The register reading StopTransaction's meterStop stands for (its transactionData is a meter message of its own). */
export function stopSamples(tx: Pick<PricedTransaction, 'meterStop' | 'stoppedAt'>): EnergySample[] {
  if (tx.meterStop === undefined || tx.stoppedAt === undefined) return [];
  return samplesFromStopTransaction({ meterStop: tx.meterStop, timestamp: tx.stoppedAt }).samples;
}

/**
 * The aggregate to fold into: the stored one, or a new one. A transaction created from its stop
 * (`start-missing`) has no start: it is taken as the earliest reading known at its first
 * recompute (which folds every message stored so far) with meterStart 0, so the baseline rule of
 * the aggregate decides between a per-session register and the first reading.
 */
export function aggregateOf(
  tx: PricedTransaction,
  tariff: Tariff | null,
  samples: readonly EnergySample[],
): ChargeAggregate {
  if (tx.charge.aggregate) return tx.charge.aggregate;
  let startedAtMs = millisOf(tx.startedAt);
  if (startedAtMs === undefined) {
    const candidates = [...samples.map((s) => s.atMs), millisOf(tx.stoppedAt), millisOf(tx.createdAt)].filter(
      (v): v is number => v !== undefined,
    );
    startedAtMs = candidates.length > 0 ? Math.min(...candidates) : 0;
  }
  return initAggregate({
    tariff: tariff ?? energyOnlyTariff(),
    startedAtMs,
    meterStartWh: tx.meterStart ?? 0,
  });
}

/**
 * The running or final charge. A running session is priced up to its latest sample, never to
 * "now": the stored charge is then a function of the samples alone, so replays and re-orderings
 * store the very same charge (a live view re-prices the stored aggregate with `now`).
 */
export function chargeOf(
  tariff: Tariff,
  aggregate: StoredAggregate,
  tx: Pick<PricedTransaction, 'stoppedAt'>,
  now?: number,
): Charge {
  const stoppedAtMs = millisOf(tx.stoppedAt) ?? null;
  const nowMs = stoppedAtMs === null && now !== undefined ? now * 1000 : null;
  return priceAggregate(tariff, aggregate, { stoppedAtMs, nowMs });
}

/** The transaction's key as one string (batch grouping, idempotency keys of its events). */
export const txKeyString = (key: TxKey): string => `${key.chargerId}#${key.transactionId}`;

/** Just the key of a transaction, for log fields and repository calls. */
export const keyOf = (tx: TxKey): TxKey => ({ chargerId: tx.chargerId, transactionId: tx.transactionId });

/** Whether pricing already set `flag` on the transaction (so a warning is logged once, not per update). */
export const hasFlag = (tx: PricedTransaction, flag: PricingFlag): boolean =>
  tx.charge.chargeFlags?.includes(flag) ?? false;
