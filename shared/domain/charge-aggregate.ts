/**
 * The running aggregate: a small, JSON-safe summary of a session's meter samples, stored on the
 * transaction record and updated with each batch of new samples, so that the cost of an update does
 * not grow with the length of the session.
 *
 * It is a join-semilattice: `foldSamples` only ever takes minima, maxima and unions, each with a
 * total order and deterministic tie-breaks, so the same samples in any order, split across any
 * number of folds, or repeated, give a deep-equal state (a duplicate is a no-op).
 *
 * What is kept. Register readings are bucketed by energy price segment (a span of time in which
 * the tariff's ENERGY price cannot change: one bucket for a single-price tariff, a new one at each
 * time-of-day boundary otherwise). Per bucket four readings are kept:
 * - `first`: the earliest by timestamp (on a tie, the lower value);
 * - `last`: the latest by timestamp (on a tie, the higher value);
 * - `peak`: the highest value (on a tie, the earliest timestamp);
 * - `trough`: the lowest value (on a tie, the earliest timestamp).
 * A sample is identified by (timestamp, kind, value), so these orders are total and a duplicate
 * can never displace anything.
 * Size: O(number of price segments the session spans), e.g. 10,000 samples on a single-price
 * tariff are one bucket. Interval values (used only while no register reading exists; a register is
 * preferred and, once seen, interval values are dropped) are kept one per distinct (timestamp,
 * value), because summing needs each counted once: their size is bounded by the session duration
 * over the meter interval, not by retries or duplicates.
 *
 * A late, out-of-order sample replaces a bucket's first/last only if it is earlier/later than the
 * one held (and peak/trough only if it is higher/lower), so a late sample from the middle of a
 * bucket changes nothing, one from a bucket's edge moves that edge, and one from a new segment adds
 * a bucket. The charge is then recomputed from the buckets (see {@link analyseEnergy}).
 *
 * Instants are epoch milliseconds, as precise as the charger sends them (version 2). Version 1
 * kept whole seconds; a stored version 1 aggregate is read by {@link upgradeAggregate} (seconds x
 * 1000: exact, since its readings were whole seconds when folded) and written back as version 2 by
 * the next fold that changes it. Its readings keep the whole seconds they were folded with; a
 * re-fold from the stored messages would recover their milliseconds.
 */
import { DomainError, InvalidArgumentError } from './errors.js';
import { segmentAt } from './local-time.js';
import type { EnergySample } from './meter.js';
import { energySegmentation, type Segmentation, type Tariff } from './tariff.js';

/** One register reading: `atMs` in epoch milliseconds, value in mWh. */
export interface Reading {
  atMs: number;
  milliWh: number;
}

/** Boundary readings of one energy price segment. */
export interface RegisterBucket {
  /** Start of the segment (epoch milliseconds); 0 when the tariff has a single energy price. */
  fromMs: number;
  first: Reading;
  last: Reading;
  peak: Reading;
  trough: Reading;
}

/** Where the session's energy baseline came from (see {@link resolveBaseline}). */
export type BaselineKind = 'meter-start' | 'per-session-register' | 'first-reading' | 'none';

/** What the samples revealed; stored with the state so that it can be queried and shown. */
export interface AggregateFlags {
  /** 'register' when any register reading exists (preferred), else 'interval', else 'none'. */
  source: 'register' | 'interval' | 'none';
  baseline: BaselineKind;
  /** The register fell to less than half its previous value: a reset. The fall is not billed. */
  meterReset: boolean;
  /** The register went down by less than that: a glitch. The fall is not billed either. */
  negativeDelta: boolean;
}

/** The running aggregate of a session (plain JSON). */
export interface ChargeAggregate {
  version: 2;
  /** Session start, epoch milliseconds. */
  startedAtMs: number;
  /** meterStart of StartTransaction, integer Wh. */
  meterStartWh: number;
  /** Highest power the charger can deliver; bounds what a first reading may add (see baseline). */
  maxPowerW: number;
  /** Copied from the tariff snapshot: fixes the buckets, so folding needs no tariff. */
  segmentation: Segmentation;
  /** Buckets sorted by `fromMs`. */
  register: RegisterBucket[];
  /** Interval values sorted by (atMs, milliWh); empty as soon as a register reading exists. */
  intervals: Reading[];
  /** Latest timestamp of any energy sample, epoch milliseconds. */
  lastSampleAtMs: number | null;
  flags: AggregateFlags;
}

/** A version 1 aggregate as stored before instants kept milliseconds (all instants epoch seconds). */
export interface ChargeAggregateV1 {
  version: 1;
  startedAt: number;
  meterStartWh: number;
  maxPowerW: number;
  segmentation: Segmentation;
  register: {
    from: number;
    first: { at: number; milliWh: number };
    last: { at: number; milliWh: number };
    peak: { at: number; milliWh: number };
    trough: { at: number; milliWh: number };
  }[];
  intervals: { at: number; milliWh: number }[];
  lastSampleAt: number | null;
  flags: AggregateFlags;
}

/** Any aggregate a transaction may hold. */
export type StoredAggregate = ChargeAggregate | ChargeAggregateV1;

/**
 * The current form of a stored aggregate: the same object when it is current, else version 1
 * read as version 2 (seconds x 1000, the same bill).
 */
export function upgradeAggregate(state: StoredAggregate): ChargeAggregate {
  if (state.version === 2) return state;
  if (state.version !== 1) {
    throw new DomainError(
      'AGGREGATE_VERSION',
      `unknown aggregate version ${(state as { version: unknown }).version}`,
    );
  }
  const reading = (r: { at: number; milliWh: number }): Reading => ({
    atMs: r.at * 1000,
    milliWh: r.milliWh,
  });
  return {
    version: 2,
    startedAtMs: state.startedAt * 1000,
    meterStartWh: state.meterStartWh,
    maxPowerW: state.maxPowerW,
    segmentation: state.segmentation,
    register: state.register.map((b) => ({
      fromMs: b.from * 1000,
      first: reading(b.first),
      last: reading(b.last),
      peak: reading(b.peak),
      trough: reading(b.trough),
    })),
    intervals: state.intervals.map(reading),
    lastSampleAtMs: state.lastSampleAt === null ? null : state.lastSampleAt * 1000,
    flags: state.flags,
  };
}

/** Above the 3.75 MW of megawatt charging: used when the charger's rating is unknown. */
export const DEFAULT_MAX_POWER_W = 4_000_000;

/** The empty aggregate of a session that has just started. */
export function initAggregate(input: {
  tariff: Tariff;
  startedAtMs: number;
  meterStartWh: number;
  maxPowerW?: number;
}): ChargeAggregate {
  const maxPowerW = input.maxPowerW ?? DEFAULT_MAX_POWER_W;
  if (!Number.isSafeInteger(input.startedAtMs))
    throw new InvalidArgumentError('startedAtMs must be epoch milliseconds');
  if (!Number.isSafeInteger(input.meterStartWh) || input.meterStartWh < 0 || input.meterStartWh > 9e12) {
    throw new InvalidArgumentError('meterStartWh must be a non-negative integer number of Wh');
  }
  if (!Number.isSafeInteger(maxPowerW) || maxPowerW <= 0) {
    throw new InvalidArgumentError('maxPowerW must be a positive integer number of watts');
  }
  return {
    version: 2,
    startedAtMs: input.startedAtMs,
    meterStartWh: input.meterStartWh,
    maxPowerW,
    segmentation: energySegmentation(input.tariff),
    register: [],
    intervals: [],
    lastSampleAtMs: null,
    flags: { source: 'none', baseline: 'none', meterReset: false, negativeDelta: false },
  };
}

const earlier = (a: Reading, b: Reading) => a.atMs < b.atMs || (a.atMs === b.atMs && a.milliWh < b.milliWh);
const higher = (a: Reading, b: Reading) =>
  a.milliWh > b.milliWh || (a.milliWh === b.milliWh && a.atMs < b.atMs);
const lower = (a: Reading, b: Reading) =>
  a.milliWh < b.milliWh || (a.milliWh === b.milliWh && a.atMs < b.atMs);

function mergeReading(bucket: RegisterBucket, reading: Reading): RegisterBucket {
  const first = earlier(reading, bucket.first) ? reading : bucket.first;
  const last = earlier(bucket.last, reading) ? reading : bucket.last;
  const peak = higher(reading, bucket.peak) ? reading : bucket.peak;
  const trough = lower(reading, bucket.trough) ? reading : bucket.trough;
  if (first === bucket.first && last === bucket.last && peak === bucket.peak && trough === bucket.trough) {
    return bucket;
  }
  return { fromMs: bucket.fromMs, first, last, peak, trough };
}

function assertSample(sample: EnergySample): void {
  if (
    !Number.isSafeInteger(sample.atMs) ||
    !Number.isSafeInteger(sample.milliWh) ||
    sample.milliWh < 0 ||
    (sample.kind !== 'register' && sample.kind !== 'interval')
  ) {
    throw new InvalidArgumentError(`not a normalised energy sample: ${JSON.stringify(sample)}`);
  }
}

/** The price segment around an instant, in epoch milliseconds (segments start on whole seconds). */
function segmentAtMs(segmentation: Segmentation, atMs: number): { startMs: number; endMs: number } {
  const segment = segmentAt(segmentation.timeZone, segmentation.boundaries, Math.floor(atMs / 1000));
  return { startMs: segment.start * 1000, endMs: segment.end * 1000 };
}

/** Bucket key of an instant; remembers the segments met so that Intl is asked once per segment. */
function bucketKeys(segmentation: Segmentation): (atMs: number) => number {
  if (segmentation.boundaries.length === 0) return () => 0;
  const known: { startMs: number; endMs: number }[] = [];
  return (atMs) => {
    for (const segment of known) if (atMs >= segment.startMs && atMs < segment.endMs) return segment.startMs;
    const segment = segmentAtMs(segmentation, atMs);
    known.push(segment);
    return segment.startMs;
  };
}

function mergeIntervals(existing: readonly Reading[], added: readonly Reading[]): Reading[] {
  const all = [...existing, ...added].sort((a, b) => a.atMs - b.atMs || a.milliWh - b.milliWh);
  return all.filter((r, i) => {
    const previous = all[i - 1];
    return previous === undefined || previous.atMs !== r.atMs || previous.milliWh !== r.milliWh;
  });
}

/**
 * Folds new samples into the aggregate. Commutative, associative and idempotent (see the module
 * comment); returns the very same object when the samples change nothing, so a caller can skip the
 * write. Cost: O(new samples + buckets), independent of how many samples came before (interval-only
 * meters excepted: their values are merged into a sorted list).
 */
export function foldSamples<S extends StoredAggregate>(
  stored: S,
  samples: readonly EnergySample[],
): S | ChargeAggregate {
  const state = upgradeAggregate(stored);
  if (samples.length === 0) return stored;
  const keyOf = bucketKeys(state.segmentation);
  const buckets = new Map(state.register.map((bucket) => [bucket.fromMs, bucket]));
  const addedIntervals: Reading[] = [];
  let registerChanged = false;
  let lastSampleAtMs = state.lastSampleAtMs;
  for (const sample of samples) {
    assertSample(sample);
    if (lastSampleAtMs === null || sample.atMs > lastSampleAtMs) lastSampleAtMs = sample.atMs;
    const reading = { atMs: sample.atMs, milliWh: sample.milliWh };
    if (sample.kind === 'interval') {
      addedIntervals.push(reading);
      continue;
    }
    const fromMs = keyOf(sample.atMs);
    const bucket = buckets.get(fromMs);
    const next = bucket
      ? mergeReading(bucket, reading)
      : { fromMs, first: reading, last: reading, peak: reading, trough: reading };
    if (next !== bucket) {
      buckets.set(fromMs, next);
      registerChanged = true;
    }
  }
  const register = registerChanged
    ? [...buckets.values()].sort((a, b) => a.fromMs - b.fromMs)
    : state.register;
  let intervals = state.intervals;
  if (register.length > 0) {
    if (intervals.length > 0) intervals = [];
  } else if (addedIntervals.length > 0) {
    // A merge only ever adds, so an unchanged length means every value was already known.
    const merged = mergeIntervals(state.intervals, addedIntervals);
    if (merged.length !== state.intervals.length) intervals = merged;
  }
  // Unchanged: the very object passed in (even a version 1 one: nothing to write).
  if (!registerChanged && intervals === state.intervals && lastSampleAtMs === state.lastSampleAtMs)
    return stored;
  const next: ChargeAggregate = { ...state, register, intervals, lastSampleAtMs };
  const analysis = analyseEnergy(next);
  next.flags = {
    source: analysis.source,
    baseline: analysis.baseline.kind,
    meterReset: analysis.meterReset,
    negativeDelta: analysis.negativeDelta,
  };
  return next;
}

/** The reading the session's energy is measured from. */
export interface Baseline {
  kind: BaselineKind;
  reading: Reading | null;
}

const MS_PER_HOUR_OVER_MWH = 3600n;
// A first reading taken at the very start still gets a minute's worth of allowance: meters tick.
const MIN_ALLOWANCE_MS = 60_000n;

/**
 * Decides what the energy is measured from, so that the same rule holds whether the meter is a
 * lifetime register or resets per session. With E the earliest register reading and "plausible"
 * meaning no more energy than `maxPowerW` could deliver between the start and E:
 * - 'meter-start': E >= meterStart and E - meterStart is plausible: a consistent register;
 * - 'per-session-register': E < meterStart / 2 and E itself is plausible: the register restarts
 *   each session (meterStart came from a lifetime counter), so energy counts from 0;
 * - 'first-reading': anything else, e.g. meterStart sent as 0 by a lifetime register, or a kWh
 *   register that rounds below meterStart: energy counts from E and what came before E is not billed
 *   (never guess upward).
 */
export function resolveBaseline(stored: StoredAggregate): Baseline {
  const state = upgradeAggregate(stored);
  const earliest = state.register[0]?.first;
  if (!earliest) return { kind: 'none', reading: null };
  const meterStart = BigInt(state.meterStartWh) * 1000n;
  const value = BigInt(earliest.milliWh);
  const elapsed = BigInt(Math.max(earliest.atMs - state.startedAtMs, 0));
  const ms = elapsed > MIN_ALLOWANCE_MS ? elapsed : MIN_ALLOWANCE_MS;
  // W x ms / 3 600 000 = Wh, so W x ms / 3600 = mWh (rounded down).
  const allowance = (BigInt(state.maxPowerW) * ms) / MS_PER_HOUR_OVER_MWH;
  if (value >= meterStart && value - meterStart <= allowance) {
    return { kind: 'meter-start', reading: { atMs: state.startedAtMs, milliWh: state.meterStartWh * 1000 } };
  }
  if (2n * value < meterStart && value <= allowance) {
    return { kind: 'per-session-register', reading: { atMs: state.startedAtMs, milliWh: 0 } };
  }
  return { kind: 'first-reading', reading: earliest };
}

/** Energy attributed at an instant (the band in force at `atMs` prices it). */
export interface EnergyPiece {
  atMs: number;
  milliWh: number;
}

/** The session's energy as read from the aggregate. */
export interface EnergyAnalysis {
  source: AggregateFlags['source'];
  baseline: Baseline;
  /**
   * Register: per bucket, the energy since the previous reading (one piece per segment it spans)
   * and the energy within the bucket; interval: one per value.
   */
  pieces: EnergyPiece[];
  totalMilliWh: number;
  /** When the final energy level was first observed (start of idling, epoch ms), null if no energy flowed. */
  chargingEndedAtMs: number | null;
  meterReset: boolean;
  negativeDelta: boolean;
}

/** Name of the rule that splits energy across a band boundary (README, receipts). */
export const ENERGY_SPLIT_RULE = 'ENERGY_SPLIT_LINEAR_HALF_UP' as const;

/**
 * An interval longer than this is not split: a card hold lasts about 7 days, so no real session has
 * a gap between readings this long; it is a charger clock fault, and walking every segment of it
 * would cost time for nothing. Its energy goes to the band at its start (the rule before splitting).
 */
export const MAX_SPLIT_MS = 31 * 24 * 3600 * 1000;

/**
 * Appends the pieces of `milliWh` delivered between readings `from` and `to`, one per energy price
 * segment the interval touches, each proportional to the time the interval spends in it. With
 * t0 < t1 < ... the segment boundaries inside (from.atMs, to.atMs), the energy delivered before
 * t_k is E x (t_k - from.atMs) / (to.atMs - from.atMs) rounded half up to the mWh, and each piece is the
 * difference of two of these: the pieces sum to exactly E, and a boundary where only the UTC offset
 * changes (same band on both sides) changes no band's total. Exact bigint arithmetic.
 */
function splitAcrossSegments(
  segmentation: Segmentation,
  from: Reading,
  to: Reading,
  milliWh: number,
  pieces: EnergyPiece[],
): void {
  const spanMs = to.atMs - from.atMs;
  if (segmentation.boundaries.length === 0 || spanMs <= 0 || spanMs > MAX_SPLIT_MS) {
    pieces.push({ atMs: from.atMs, milliWh });
    return;
  }
  const energy = BigInt(milliWh);
  const span = BigInt(spanMs);
  let before = 0n;
  let pieceAtMs = from.atMs;
  let segment = segmentAtMs(segmentation, from.atMs);
  while (segment.endMs < to.atMs) {
    const cutMs = segment.endMs;
    const upToCut = (2n * energy * BigInt(cutMs - from.atMs) + span) / (2n * span);
    if (upToCut > before) pieces.push({ atMs: pieceAtMs, milliWh: Number(upToCut - before) });
    before = upToCut;
    pieceAtMs = cutMs;
    segment = segmentAtMs(segmentation, cutMs);
  }
  if (energy > before) pieces.push({ atMs: pieceAtMs, milliWh: Number(energy - before) });
}

/**
 * Reads the energy out of the aggregate. Register rules:
 * - energy between two consecutive readings in one price segment is priced by that segment's band;
 *   energy between two readings in different segments (and from the baseline, at the start, to the
 *   first reading) is split linearly by time across the segment boundaries between them (see
 *   {@link splitAcrossSegments}): a driver expects energy priced by when it was delivered, and with
 *   no reading in between, a constant power is the best estimate. A reading exactly on a boundary
 *   needs no split. The readings either side of each boundary are a bucket's `last` and the next
 *   bucket's `first`, so the split is as order-independent as the buckets;
 * - within a bucket: if its readings are consistent with a rising register (trough = first and
 *   peak = last in value) the energy is last - first; if the peak comes before the trough (rise,
 *   fall, rise: a reset) it is (peak - first) + (last - trough); otherwise (a glitch) last - first
 *   if positive, else 0;
 * - a fall is never billed, and neither is the unknown energy across it; a fall to under half the
 *   previous value is flagged `meterReset`, a smaller one `negativeDelta`.
 * Interval rules: the sum of the values, each priced by the band at its own timestamp (for OCPP
 * 1.6 clock-aligned data that is the start of the interval).
 */
export function analyseEnergy(stored: StoredAggregate): EnergyAnalysis {
  const state = upgradeAggregate(stored);
  const baseline = resolveBaseline(state);
  let meterReset = false;
  let negativeDelta = false;
  const fall = (high: number, low: number) => {
    if (low >= high) return;
    if (low * 2 < high) meterReset = true;
    else negativeDelta = true;
  };
  const pieces: EnergyPiece[] = [];
  let total = 0;
  let chargingEndedAtMs: number | null = null;

  if (state.register.length > 0) {
    let previous = baseline.reading as Reading;
    for (const bucket of state.register) {
      const { first, last, peak, trough } = bucket;
      const gap = first.milliWh - previous.milliWh;
      fall(previous.milliWh, first.milliWh);
      let inner: number;
      let risingAt: number | null;
      if (trough.milliWh === first.milliWh && peak.milliWh === last.milliWh) {
        inner = last.milliWh - first.milliWh;
        risingAt = peak.atMs;
      } else if (peak.atMs < trough.atMs) {
        fall(peak.milliWh, trough.milliWh);
        inner = peak.milliWh - first.milliWh + (last.milliWh - trough.milliWh);
        risingAt = last.milliWh > trough.milliWh ? last.atMs : peak.atMs;
      } else {
        if (trough.milliWh < first.milliWh) fall(first.milliWh, trough.milliWh);
        else fall(peak.milliWh, last.milliWh);
        inner = Math.max(last.milliWh - first.milliWh, 0);
        risingAt = last.atMs;
      }
      if (gap > 0) {
        splitAcrossSegments(state.segmentation, previous, first, gap, pieces);
        total += gap;
      }
      if (inner > 0) {
        pieces.push({ atMs: first.atMs, milliWh: inner });
        total += inner;
        chargingEndedAtMs = risingAt;
      } else if (gap > 0) chargingEndedAtMs = first.atMs;
      previous = last;
    }
    return {
      source: 'register',
      baseline,
      pieces,
      totalMilliWh: total,
      chargingEndedAtMs,
      meterReset,
      negativeDelta,
    };
  }

  for (const value of state.intervals) {
    pieces.push({ atMs: value.atMs, milliWh: value.milliWh });
    total += value.milliWh;
    if (value.milliWh > 0 && (chargingEndedAtMs === null || value.atMs > chargingEndedAtMs))
      chargingEndedAtMs = value.atMs;
  }
  return {
    source: state.intervals.length > 0 ? 'interval' : 'none',
    baseline,
    pieces,
    totalMilliWh: total,
    chargingEndedAtMs,
    meterReset,
    negativeDelta,
  };
}
