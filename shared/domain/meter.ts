/**
 * Meter value normalisation: OCPP SampledValues in, exact energy samples out.
 *
 * Units. Energy is kept internally in integer milli-watt-hours (mWh). Every value a real meter
 * sends (Wh with up to three decimals, kWh with up to six) converts exactly; anything finer is
 * rounded half to even to the mWh, which is unbiased and a million times below anything billed.
 * Whole Wh would lose up to 0.5 Wh per interval value, and interval values are summed.
 *
 * What counts as energy. Energy.Active.Import.Register (the measurand when none is given) and
 * Energy.Active.Import.Interval, with format Raw, no phase (the total, not one phase) and location
 * Outlet (the default): that is the energy delivered to the car. Other energy values are returned
 * in `skipped` with a reason, never silently dropped; other measurands (power, SoC...) are ignored.
 * Units: Wh (default) and kWh, with an optional OCPP 2.0.1 `unitOfMeasure.multiplier` (value x
 * 10^multiplier). The reading context (Transaction.Begin, Sample.Periodic...) does not change what a
 * value means, so every context is used.
 *
 * Identity. A sample is (timestamp, kind, value): the same reading sent twice (a retried
 * MeterValues, or repeated in StopTransaction.transactionData) is one sample.
 */
import { decimalToInteger, parseDecimal } from './decimal.js';

/** Reading contexts of OCPP 1.6 (informational: every context is used). */
export type ReadingContext =
  | 'Interruption.Begin'
  | 'Interruption.End'
  | 'Other'
  | 'Sample.Clock'
  | 'Sample.Periodic'
  | 'Transaction.Begin'
  | 'Transaction.End'
  | 'Trigger';

/** An OCPP 1.6 SampledValue; the 2.0.1 `unitOfMeasure` is accepted too for its multiplier. */
export interface SampledValue {
  value: string;
  context?: ReadingContext | string;
  format?: 'Raw' | 'SignedData' | string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
  unitOfMeasure?: { unit?: string; multiplier?: number };
}

/** An OCPP 1.6 MeterValue: one timestamp, several sampled values. */
export interface MeterValue {
  timestamp: string;
  sampledValue: readonly SampledValue[];
}

/** A register reading (cumulative) or an interval value (energy since the previous interval). */
export type EnergyKind = 'register' | 'interval';

/**
 * One normalised energy reading: `atMs` in epoch milliseconds (the precision chargers send; the
 * order of two readings in one second is real and billed from), energy in integer mWh.
 */
export interface EnergySample {
  atMs: number;
  kind: EnergyKind;
  milliWh: number;
}

export type SkipReason =
  | 'signed-data'
  | 'per-phase'
  | 'location'
  | 'unit'
  | 'multiplier'
  | 'not-a-number'
  | 'negative'
  | 'out-of-range'
  | 'bad-timestamp';

/** An energy value that could not be used, kept so that nothing disappears without a trace. */
export interface SkippedValue {
  timestamp: string;
  value: string;
  measurand: string;
  reason: SkipReason;
}

/** Samples in canonical order (see {@link compareSamples}) plus what was skipped. */
export interface NormalisedSamples {
  samples: EnergySample[];
  skipped: SkippedValue[];
}

export const REGISTER_MEASURAND = 'Energy.Active.Import.Register';
export const INTERVAL_MEASURAND = 'Energy.Active.Import.Interval';

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an RFC 3339 timestamp (as OCPP requires: with Z or an offset), digits of
 * the fraction beyond the millisecond dropped (toward the past, as for whole seconds); null when the
 * text is not one or names an impossible date. Stricter than `Date.parse`, which accepts
 * "2026-02-30" and local times without an offset.
 */
export function parseTimestampMs(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  let offset = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const fractionMs = m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second) - offset * 1000 + fractionMs;
}

/** Epoch seconds of an RFC 3339 timestamp, fraction of a second dropped (see {@link parseTimestampMs}). */
export function parseTimestamp(text: string): number | null {
  const ms = parseTimestampMs(text);
  return ms === null ? null : Math.floor(ms / 1000);
}

type Parsed = { kind: EnergyKind; milliWh: number } | { reason: SkipReason } | null;

/** Reads one sampled value: an energy amount, a reason to skip it, or null when it is not energy. */
export function energyFromSampledValue(sampled: SampledValue): Parsed {
  const measurand = sampled.measurand ?? REGISTER_MEASURAND;
  let kind: EnergyKind;
  if (measurand === REGISTER_MEASURAND) kind = 'register';
  else if (measurand === INTERVAL_MEASURAND) kind = 'interval';
  else return null;
  if (sampled.format === 'SignedData') return { reason: 'signed-data' };
  if (sampled.phase !== undefined) return { reason: 'per-phase' };
  if (sampled.location !== undefined && sampled.location !== 'Outlet') return { reason: 'location' };
  const unit = sampled.unitOfMeasure?.unit ?? sampled.unit ?? 'Wh';
  const multiplier = sampled.unitOfMeasure?.multiplier ?? 0;
  if (unit !== 'Wh' && unit !== 'kWh') return { reason: 'unit' };
  if (!Number.isInteger(multiplier) || Math.abs(multiplier) > 9) return { reason: 'multiplier' };
  const decimal = parseDecimal(sampled.value);
  if (!decimal) return { reason: 'not-a-number' };
  // Wh -> mWh is 10^3, kWh -> mWh is 10^6.
  const milliWh = decimalToInteger(decimal, multiplier + (unit === 'kWh' ? 6 : 3));
  if (milliWh < 0n) return { reason: 'negative' };
  if (milliWh > BigInt(Number.MAX_SAFE_INTEGER)) return { reason: 'out-of-range' };
  return { kind, milliWh: Number(milliWh) };
}

/** Canonical order: timestamp, then registers before intervals, then value. */
export function compareSamples(a: EnergySample, b: EnergySample): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.kind !== b.kind) return a.kind === 'register' ? -1 : 1;
  return a.milliWh - b.milliWh;
}

/** Merges sample lists from any sources, drops duplicates and sorts them canonically. */
export function mergeSamples(...lists: readonly (readonly EnergySample[])[]): EnergySample[] {
  const all = lists.flat().slice().sort(compareSamples);
  return all.filter((sample, i) => {
    const previous = all[i - 1];
    return previous === undefined || compareSamples(previous, sample) !== 0;
  });
}

/** Energy samples from MeterValues (a MeterValues.req, or StopTransaction's transactionData). */
export function samplesFromMeterValues(meterValues: readonly MeterValue[]): NormalisedSamples {
  const samples: EnergySample[] = [];
  const skipped: SkippedValue[] = [];
  for (const meterValue of meterValues) {
    const atMs = parseTimestampMs(meterValue.timestamp);
    for (const sampled of meterValue.sampledValue) {
      const parsed = energyFromSampledValue(sampled);
      if (parsed === null) continue;
      const skip = (reason: SkipReason) =>
        skipped.push({
          timestamp: meterValue.timestamp,
          value: sampled.value,
          measurand: sampled.measurand ?? REGISTER_MEASURAND,
          reason,
        });
      if ('reason' in parsed) skip(parsed.reason);
      else if (atMs === null) skip('bad-timestamp');
      else samples.push({ atMs, kind: parsed.kind, milliWh: parsed.milliWh });
    }
  }
  return { samples: mergeSamples(samples), skipped };
}

/**
 * Energy samples from a StopTransaction: `meterStop` (integer Wh on the same register as
 * meterStart) is a register reading at the stop timestamp, merged with the transactionData.
 */
export function samplesFromStopTransaction(stop: {
  meterStop: number;
  timestamp: string;
  transactionData?: readonly MeterValue[];
}): NormalisedSamples {
  const fromData = samplesFromMeterValues(stop.transactionData ?? []);
  const atMs = parseTimestampMs(stop.timestamp);
  const value = String(stop.meterStop);
  const skip = (reason: SkipReason): NormalisedSamples => ({
    samples: fromData.samples,
    skipped: [
      ...fromData.skipped,
      { timestamp: stop.timestamp, value, measurand: REGISTER_MEASURAND, reason },
    ],
  });
  if (atMs === null) return skip('bad-timestamp');
  if (!Number.isSafeInteger(stop.meterStop)) return skip('not-a-number');
  if (stop.meterStop < 0) return skip('negative');
  if (stop.meterStop * 1000 > Number.MAX_SAFE_INTEGER) return skip('out-of-range');
  const reading: EnergySample = { atMs, kind: 'register', milliWh: stop.meterStop * 1000 };
  return { samples: mergeSamples(fromData.samples, [reading]), skipped: fromData.skipped };
}
