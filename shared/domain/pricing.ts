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
 *   78 minutes; seconds are whole, so sub-second clock jitter never bills a minute); minute k is
 *   priced by the band in force at its start, so a band change never bills an extra minute;
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
  type ChargeAggregate,
  foldSamples,
  initAggregate,
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
  startedAt: number;
  /** Where billed time ends: the stop, or while running the latest sample or `now`. */
  endedAt: number;
  stopped: boolean;
  energyMilliWh: number;
  durationSeconds: number;
  billedMinutes: number;
  chargingEndedAt: number | null;
  parkingSeconds: number;
  billedParkingMinutes: number;
  lines: ChargeLine[];
  taxes: TaxSummary[];
  totals: LineAmounts;
  flags: AggregateFlags & { stopBeforeStart: boolean };
}

/** Times for pricing, epoch seconds. Without `stoppedAt` the session is priced as running. */
export interface PricingTimes {
  stoppedAt?: number | null;
  now?: number | null;
}

const MILLIWH_PER_KWH = 1_000_000n;
const MINUTES_PER_HOUR = 60n;

function checkInstant(name: string, value: number | null | undefined): void {
  if (value !== undefined && value !== null && !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${name} must be epoch seconds (an integer)`);
  }
}

/** Minutes starting at `from` (one every 60 s) per pricing element of `type`. */
function minutesByElement(
  tariff: CompiledTariff,
  type: ComponentType,
  from: number,
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
    const at = from + 60 * k;
    const segment = segmentAt(tariff.tariff.timeZone, bands.boundaries, at);
    const next = Math.min(minutes, Math.ceil((segment.end - from) / 60));
    const element = elementAt(tariff, type, at);
    if (element !== null) result.set(element, (result.get(element) ?? 0) + next - k);
    k = next;
  }
  return result;
}

function sameSegmentation(state: ChargeAggregate, tariff: CompiledTariff): boolean {
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
export function priceAggregate(tariff: Tariff, state: ChargeAggregate, times: PricingTimes = {}): Charge {
  checkInstant('stoppedAt', times.stoppedAt);
  checkInstant('now', times.now);
  const compiled = compileTariff(tariff);
  if (!sameSegmentation(state, compiled)) {
    throw new DomainError(
      'TARIFF_MISMATCH',
      `the aggregate was built for other energy price bands than tariff ${tariff.id}: price with the session's own snapshot`,
    );
  }
  const { startedAt, lastSampleAt } = state;
  const stoppedAt = times.stoppedAt ?? null;
  const stopped = stoppedAt !== null;
  const endedAt = stopped
    ? stoppedAt
    : Math.max(startedAt, lastSampleAt ?? startedAt, times.now ?? startedAt);
  const durationSeconds = Math.max(endedAt - startedAt, 0);
  const billedMinutes = Math.ceil(durationSeconds / 60);

  const energy = analyseEnergy(state);
  // With no energy at all the car idled from the start; billed only if the operator chose to.
  const idleFrom =
    energy.chargingEndedAt ?? (compiled.tariff.parkingWithoutEnergy === true ? startedAt : null);
  const parkingFrom = idleFrom === null ? null : idleFrom + (compiled.tariff.parkingGraceSeconds ?? 0);
  const parkingUntil = Math.min(stopped ? stoppedAt : (lastSampleAt ?? startedAt), endedAt);
  const parkingSeconds = parkingFrom === null ? 0 : Math.max(parkingUntil - parkingFrom, 0);
  const billedParkingMinutes = Math.ceil(parkingSeconds / 60);

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
    const element = elementAt(compiled, 'ENERGY', piece.at);
    if (element !== null) energyByElement.set(element, (energyByElement.get(element) ?? 0) + piece.milliWh);
  }
  for (const [element, milliWh] of sorted(energyByElement)) {
    line('ENERGY', element, milliWh, 'milliWh', (p) => [
      BigInt(milliWh) * p,
      MILLIWH_PER_KWH * MILLI_PER_MINOR,
    ]);
  }
  for (const [element, minutes] of sorted(minutesByElement(compiled, 'TIME', startedAt, billedMinutes))) {
    line('TIME', element, minutes, 'minute', (p) => [
      BigInt(minutes) * p,
      MINUTES_PER_HOUR * MILLI_PER_MINOR,
    ]);
  }
  if (parkingFrom !== null) {
    for (const [element, minutes] of sorted(
      minutesByElement(compiled, 'PARKING', parkingFrom, billedParkingMinutes),
    )) {
      line('PARKING', element, minutes, 'minute', (p) => [
        BigInt(minutes) * p,
        MINUTES_PER_HOUR * MILLI_PER_MINOR,
      ]);
    }
  }
  const flat = elementAt(compiled, 'FLAT', startedAt);
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
    startedAt,
    endedAt,
    stopped,
    energyMilliWh: energy.totalMilliWh,
    durationSeconds,
    billedMinutes,
    chargingEndedAt: energy.chargingEndedAt,
    parkingSeconds,
    billedParkingMinutes,
    lines,
    taxes,
    totals: sum(lines),
    flags: {
      source: energy.source,
      baseline: energy.baseline.kind,
      meterReset: energy.meterReset,
      negativeDelta: energy.negativeDelta,
      stopBeforeStart: stopped && stoppedAt < startedAt,
    },
  };
}

/** The whole computation in one call (start, fold everything, price): what receipts are checked against. */
export function priceSession(
  tariff: Tariff,
  session: {
    startedAt: number;
    meterStartWh: number;
    samples: readonly EnergySample[];
    stoppedAt?: number | null;
    now?: number | null;
    maxPowerW?: number;
  },
): Charge {
  const state = foldSamples(
    initAggregate({
      tariff,
      startedAt: session.startedAt,
      meterStartWh: session.meterStartWh,
      ...(session.maxPowerW === undefined ? {} : { maxPowerW: session.maxPowerW }),
    }),
    session.samples,
  );
  return priceAggregate(tariff, state, { stoppedAt: session.stoppedAt ?? null, now: session.now ?? null });
}
