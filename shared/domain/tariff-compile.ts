/**
 * A validated tariff made ready for pricing: its band tables built once, and the lookups pricing
 * asks them (which element prices a component at an instant, where the energy price changes).
 */
import { DomainError } from './errors.js';
import { localWeekMinute } from './local-time.js';
import { buildBands, type ComponentBands } from './tariff-bands.js';
import { type PriceComponent, parseTariff, type Tariff } from './tariff-schema.js';
import type { ComponentType } from './tariff-vocabulary.js';

/** A tariff with its band tables built, ready for pricing. */
export interface CompiledTariff {
  tariff: Tariff;
  bands: Record<ComponentType, ComponentBands>;
}

const compiled = new WeakMap<object, CompiledTariff>();

/**
 * Validates (a stored snapshot is still checked: pricing relies on bands never overlapping) and
 * builds the band tables. Memoised per tariff object, so repeated pricing in one invocation is cheap.
 */
export function compileTariff(tariff: Tariff): CompiledTariff {
  const cached = compiled.get(tariff);
  if (cached) return cached;
  const valid = parseTariff(tariff);
  const result = { tariff: valid, bands: buildBands(valid.elements).bands };
  compiled.set(tariff, result);
  return result;
}

/** Index of the element that prices `type` at the instant `at` (epoch seconds), or null. */
export function elementAt(tariff: CompiledTariff, type: ComponentType, at: number): number | null {
  const bands = tariff.bands[type];
  if (!bands.table) return bands.constant;
  const index = bands.table[localWeekMinute(tariff.tariff.timeZone, at)] as number;
  return index === -1 ? null : index;
}

/** The price component of `type` in element `index`. */
export function componentOf(tariff: CompiledTariff, index: number, type: ComponentType): PriceComponent {
  const component = tariff.tariff.elements[index]?.components.find((c) => c.type === type);
  if (!component) throw new DomainError('TARIFF_INVALID', `elements[${index}] has no ${type} component`);
  return component;
}

/** Where energy prices change: what the running aggregate buckets register readings by. */
export interface Segmentation {
  timeZone: string;
  /** Sorted local week minutes (Monday 00:00 is 0) where the ENERGY price changes. */
  boundaries: number[];
}

/** The energy segmentation of a tariff; empty boundaries for a tariff with one energy price. */
export function energySegmentation(tariff: Tariff): Segmentation {
  return { timeZone: tariff.timeZone, boundaries: [...compileTariff(tariff).bands.ENERGY.boundaries] };
}
