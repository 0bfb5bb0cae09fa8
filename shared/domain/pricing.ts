/**
 * Pricing: charge = f(tariff snapshot, aggregate of samples, start, stop). Pure and deterministic;
 * since the aggregate does not depend on sample arrival order, neither does the charge.
 *
 * Quantities:
 * - ENERGY: the aggregate's energy (mWh), one line per band; energy between two readings either
 *   side of a band boundary is split between the bands linearly by time (ENERGY_SPLIT_RULE, see
 *   `analyseEnergy`);
 * - TIME: from start to stop (while running: to the latest sample or `now`, whichever is later),
 *   billed per started minute (rule CEIL_TO_STARTED_MINUTE, OCPI step_size 60: 1 h 17 min 1 s bills
 *   78 minutes) from the instants to the millisecond, as the charger sent them (60.001 s is two
 *   started minutes); minute k is priced by the band in force at its start, so a band change never
 *   bills an extra minute;
 * - PARKING: from when the final energy level was first observed, plus the tariff's grace period,
 *   to stop (while running: to the latest sample, so idling is only billed once a sample shows it),
 *   billed per started minute like TIME. It is an overstay fee on top of TIME: an idle minute is
 *   billed as TIME and as PARKING. A session with no energy at all is billed no parking, unless the
 *   tariff sets `parkingWithoutEnergy`: then it idles from its start (plus the grace period);
 * - FLAT: once per session, at the band in force at the start;
 * - MINIMUM: if the total gross is below the tariff's minimum charge, a line tops it up to exactly
 *   the minimum (net = gross / (1 + rate) half up, tax = gross - net).
 * Money: every line follows {@link ROUNDING_RULE} (exact bigint rational, net rounded half up, tax on
 * the rounded net rounded half up, gross = net + tax); totals are sums of lines.
 */
import {
  type AggregateFlags,
  analyseEnergy,
  foldSamples,
  initAggregate,
  type StoredAggregate,
  upgradeAggregate,
} from './charge-aggregate.js';
import { DomainError, InvalidArgumentError } from './errors.js';
import { segmentAt } from './local-time.js';
import type { EnergySample } from './meter.js';
import {
  type BasisPoints,
  type LineAmounts,
  lineAmounts,
  MILLI_PER_MINOR,
  type MilliMinor,
  ROUNDING_RULE,
  type RoundingRule,
  splitGross,
} from './money.js';
import {
  type CompiledTariff,
  type ComponentType,
  compileTariff,
  componentOf,
  elementAt,
  type Tariff,
} from './tariff.js';

/** Name of the time rounding rule (both TIME and PARKING). */
export const TIME_RULE = 'CEIL_TO_STARTED_MINUTE' as const;

export type ChargeComponent = ComponentType | 'MINIMUM';

/** One receipt line. */
export interface ChargeLine extends LineAmounts {
  component: ChargeComponent;
  /** The tariff element (band) whose price applies; null for MINIMUM. */
  elementIndex: number | null;
  /** The element's label, when it has one (e.g. "Night"). */
  label?: string;
  quantity: number;
  unit: 'milliWh' | 'minute' | 'session';
  /** Per kWh (ENERGY), per hour (TIME, PARKING), per session (FLAT); null for MINIMUM. */
  priceMilliMinor: MilliMinor | null;
  taxRateBp: BasisPoints;
}

/** Per tax rate totals, as an invoice shows them. */
export interface TaxSummary extends LineAmounts {
  taxRateBp: BasisPoints;
}

/** A priced session (running or final); plain JSON. */
export interface Charge {
  tariffId: string;
  currency: string;
  rounding: RoundingRule;
  timeRule: typeof TIME_RULE;
  /** Epoch seconds (the millisecond instant rounded down), for display; billing uses the milliseconds. */
  startedAt: number;
  /** Where billed time ends: the stop, or while running the latest sample or `now` (epoch seconds, as startedAt). */
  endedAt: number;
  stopped: boolean;
  energyMilliWh: number;
  /** Whole seconds from start to end (rounded down); billedMinutes is counted from the milliseconds. */
  durationSeconds: number;
  billedMinutes: number;
  /** Epoch seconds (rounded down), null when no energy flowed. */
  chargingEndedAt: number | null;
  /** Whole seconds of parking (rounded down); billedParkingMinutes is counted from the milliseconds. */
  parkingSeconds: number;
  billedParkingMinutes: number;
  lines: ChargeLine[];
  taxes: TaxSummary[];
  totals: LineAmounts;
  flags: AggregateFlags & { stopBeforeStart: boolean };
}

/** Times for pricing, epoch milliseconds. Without `stoppedAtMs` the session is priced as running. */
export interface PricingTimes {
  stoppedAtMs?: number | null;
  nowMs?: number | null;
}

const MILLIWH_PER_KWH = 1_000_000n;
const MINUTES_PER_HOUR = 60n;
const MS_PER_MINUTE = 60_000;
const seconds = (ms: number) => Math.floor(ms / 1000);

function checkInstant(name: string, value: number | null | undefined): void {
  if (value !== undefined && value !== null && !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${name} must be epoch milliseconds (an integer)`);
  }
}

/** Minutes starting at `fromMs` (one every 60 s) per pricing element of `type`. */
function minutesByElement(
  tariff: CompiledTariff,
  type: ComponentType,
  fromMs: number,
  minutes: number,
): Map<number, number> {
  const result = new Map<number, number>();
  const bands = tariff.bands[type];
  if (minutes <= 0) return result;
  if (!bands.table) {
    if (bands.constant !== null) result.set(bands.constant, minutes);
    return result;
  }
  let k = 0;
  while (k < minutes) {
    const atMs = fromMs + MS_PER_MINUTE * k;
    const segment = segmentAt(tariff.tariff.timeZone, bands.boundaries, seconds(atMs));
    const next = Math.min(minutes, Math.ceil((segment.end * 1000 - fromMs) / MS_PER_MINUTE));
    const element = elementAt(tariff, type, seconds(atMs));
    if (element !== null) result.set(element, (result.get(element) ?? 0) + next - k);
    k = next;
  }
  return result;
}

function sameSegmentation(state: StoredAggregate, tariff: CompiledTariff): boolean {
  const expected = tariff.bands.ENERGY.boundaries;
  const actual = state.segmentation.boundaries;
  return (
    state.segmentation.timeZone === tariff.tariff.timeZone &&
    expected.length === actual.length &&
    expected.every((minute, i) => actual[i] === minute)
  );
}

/**
 * Prices a session from its running aggregate and the tariff snapshot it started with. Cost:
 * O(buckets + price band changes over the session), not O(samples).
 */
export function priceAggregate(tariff: Tariff, stored: StoredAggregate, times: PricingTimes = {}): Charge {
  checkInstant('stoppedAtMs', times.stoppedAtMs);
  checkInstant('nowMs', times.nowMs);
  const state = upgradeAggregate(stored);
  const compiled = compileTariff(tariff);
  if (!sameSegmentation(state, compiled)) {
    throw new DomainError(
      'TARIFF_MISMATCH',
      `the aggregate was built for other energy price bands than tariff ${tariff.id}: price with the session's own snapshot`,
    );
  }
  const { startedAtMs, lastSampleAtMs } = state;
  const stoppedAtMs = times.stoppedAtMs ?? null;
  const stopped = stoppedAtMs !== null;
  const endedAtMs = stopped
    ? stoppedAtMs
    : Math.max(startedAtMs, lastSampleAtMs ?? startedAtMs, times.nowMs ?? startedAtMs);
  const durationMs = Math.max(endedAtMs - startedAtMs, 0);
  const billedMinutes = Math.ceil(durationMs / MS_PER_MINUTE);

  const energy = analyseEnergy(state);
  // With no energy at all the car idled from the start; billed only if the operator chose to.
  const idleFromMs =
    energy.chargingEndedAtMs ?? (compiled.tariff.parkingWithoutEnergy === true ? startedAtMs : null);
  const parkingFromMs =
    idleFromMs === null ? null : idleFromMs + (compiled.tariff.parkingGraceSeconds ?? 0) * 1000;
  const parkingUntilMs = Math.min(stopped ? stoppedAtMs : (lastSampleAtMs ?? startedAtMs), endedAtMs);
  const parkingMs = parkingFromMs === null ? 0 : Math.max(parkingUntilMs - parkingFromMs, 0);
  const billedParkingMinutes = Math.ceil(parkingMs / MS_PER_MINUTE);

  const lines: ChargeLine[] = [];
  const line = (
    component: ComponentType,
    element: number,
    quantity: number,
    unit: ChargeLine['unit'],
    net: (price: bigint) => [bigint, bigint],
  ) => {
    const priced = componentOf(compiled, element, component);
    const [numerator, denominator] = net(BigInt(priced.priceMilliMinor));
    const label = compiled.tariff.elements[element]?.label;
    lines.push({
      component,
      elementIndex: element,
      ...(label === undefined ? {} : { label }),
      quantity,
      unit,
      priceMilliMinor: priced.priceMilliMinor,
      taxRateBp: priced.taxRateBp,
      ...lineAmounts(numerator, denominator, priced.taxRateBp),
    });
  };
  const sorted = (m: Map<number, number>) => [...m.entries()].sort((a, b) => a[0] - b[0]);

  const energyByElement = new Map<number, number>();
  for (const piece of energy.pieces) {
    if (piece.milliWh === 0) continue;
    const element = elementAt(compiled, 'ENERGY', seconds(piece.atMs));
    if (element !== null) energyByElement.set(element, (energyByElement.get(element) ?? 0) + piece.milliWh);
  }
  for (const [element, milliWh] of sorted(energyByElement)) {
    line('ENERGY', element, milliWh, 'milliWh', (p) => [
      BigInt(milliWh) * p,
      MILLIWH_PER_KWH * MILLI_PER_MINOR,
    ]);
  }
  for (const [element, minutes] of sorted(minutesByElement(compiled, 'TIME', startedAtMs, billedMinutes))) {
    line('TIME', element, minutes, 'minute', (p) => [
      BigInt(minutes) * p,
      MINUTES_PER_HOUR * MILLI_PER_MINOR,
    ]);
  }
  if (parkingFromMs !== null) {
    for (const [element, minutes] of sorted(
      minutesByElement(compiled, 'PARKING', parkingFromMs, billedParkingMinutes),
    )) {
      line('PARKING', element, minutes, 'minute', (p) => [
        BigInt(minutes) * p,
        MINUTES_PER_HOUR * MILLI_PER_MINOR,
      ]);
    }
  }
  const flat = elementAt(compiled, 'FLAT', seconds(startedAtMs));
  if (flat !== null) line('FLAT', flat, 1, 'session', (p) => [p, MILLI_PER_MINOR]);

  const sum = (items: readonly LineAmounts[]): LineAmounts =>
    items.reduce(
      (acc, l) => ({
        netMinor: acc.netMinor + l.netMinor,
        taxMinor: acc.taxMinor + l.taxMinor,
        grossMinor: acc.grossMinor + l.grossMinor,
      }),
      { netMinor: 0, taxMinor: 0, grossMinor: 0 },
    );
  const minimum = compiled.tariff.minimumCharge;
  const beforeMinimum = sum(lines).grossMinor;
  if (minimum && beforeMinimum < minimum.grossMinor) {
    lines.push({
      component: 'MINIMUM',
      elementIndex: null,
      quantity: 1,
      unit: 'session',
      priceMilliMinor: null,
      taxRateBp: minimum.taxRateBp,
      ...splitGross(minimum.grossMinor - beforeMinimum, minimum.taxRateBp),
    });
  }

  const rates = [...new Set(lines.map((l) => l.taxRateBp))].sort((a, b) => a - b);
  const taxes = rates.map((taxRateBp) => ({
    taxRateBp,
    ...sum(lines.filter((l) => l.taxRateBp === taxRateBp)),
  }));

  return {
    tariffId: compiled.tariff.id,
    currency: compiled.tariff.currency,
    rounding: ROUNDING_RULE,
    timeRule: TIME_RULE,
    startedAt: seconds(startedAtMs),
    endedAt: seconds(endedAtMs),
    stopped,
    energyMilliWh: energy.totalMilliWh,
    durationSeconds: seconds(durationMs),
    billedMinutes,
    chargingEndedAt: energy.chargingEndedAtMs === null ? null : seconds(energy.chargingEndedAtMs),
    parkingSeconds: seconds(parkingMs),
    billedParkingMinutes,
    lines,
    taxes,
    totals: sum(lines),
    flags: {
      source: energy.source,
      baseline: energy.baseline.kind,
      meterReset: energy.meterReset,
      negativeDelta: energy.negativeDelta,
      stopBeforeStart: stopped && stoppedAtMs < startedAtMs,
    },
  };
}

/** The whole computation in one call (start, fold everything, price): what receipts are checked against. */
export function priceSession(
  tariff: Tariff,
  session: {
    startedAtMs: number;
    meterStartWh: number;
    samples: readonly EnergySample[];
    stoppedAtMs?: number | null;
    nowMs?: number | null;
    maxPowerW?: number;
  },
): Charge {
  const state = foldSamples(
    initAggregate({
      tariff,
      startedAtMs: session.startedAtMs,
      meterStartWh: session.meterStartWh,
      ...(session.maxPowerW === undefined ? {} : { maxPowerW: session.maxPowerW }),
    }),
    session.samples,
  );
  return priceAggregate(tariff, state, {
    stoppedAtMs: session.stoppedAtMs ?? null,
    nowMs: session.nowMs ?? null,
  });
}
