/**
 * Time-of-day and day-of-week bands: which element prices each component at each minute of the
 * tariff's local week. Built once per tariff; the same build finds overlapping windows and minutes
 * left unpriced, which the schema reports as validation issues (tariff-schema.ts), so a tariff that
 * passes validation prices every component with exactly one element or none at any instant.
 */
import { MINUTES_PER_DAY, MINUTES_PER_WEEK } from './local-time.js';
import { COMPONENT_TYPES, type ComponentType, DAYS_OF_WEEK, type DayOfWeek } from './tariff-vocabulary.js';

/**
 * What the bands read of a restriction (the schema's `Restrictions` fits it): `startTime` inclusive,
 * `endTime` exclusive, "HH:MM" local; `daysOfWeek` names the day a window starts on.
 */
export interface BandWindow {
  startTime?: string | undefined;
  endTime?: string | undefined;
  daysOfWeek?: readonly DayOfWeek[] | undefined;
}

/** What the bands read of a tariff element (the schema's `TariffElement` fits it). */
export interface BandElement {
  components: readonly { type: ComponentType }[];
  restrictions?: BandWindow | undefined;
}

/** Where one component type's price comes from across the local week. */
export interface ComponentBands {
  /** Element index pricing every minute when the price does not vary (null: never priced). */
  constant: number | null;
  /** Element index per minute of the local week (-1: not priced) when the price varies. */
  table: Int16Array | null;
  /** Sorted local week minutes where the pricing element changes (empty when constant). */
  boundaries: number[];
}

/** A band table per component type, and the problems found building them (paths into the tariff). */
export interface BandBuild {
  bands: Record<ComponentType, ComponentBands>;
  issues: { path: (string | number)[]; message: string }[];
}

function formatWeekMinute(minute: number): string {
  const day = DAYS_OF_WEEK[Math.floor(minute / MINUTES_PER_DAY)];
  const inDay = minute % MINUTES_PER_DAY;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day} ${pad(Math.floor(inDay / 60))}:${pad(inDay % 60)}`;
}

function parseLocalTime(value: string): number {
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

/** Calls `visit` for each minute of the local week the restrictions cover. */
function forEachCoveredMinute(restrictions: BandWindow, visit: (minute: number) => boolean): void {
  const days = restrictions.daysOfWeek ?? DAYS_OF_WEEK;
  let start = 0;
  let length = MINUTES_PER_DAY;
  if (restrictions.startTime !== undefined && restrictions.endTime !== undefined) {
    start = parseLocalTime(restrictions.startTime);
    const end = parseLocalTime(restrictions.endTime);
    length = end > start ? end - start : MINUTES_PER_DAY - start + end;
  }
  for (const day of days) {
    const first = DAYS_OF_WEEK.indexOf(day) * MINUTES_PER_DAY + start;
    for (let k = 0; k < length; k++) {
      if (!visit((first + k) % MINUTES_PER_WEEK)) return;
    }
  }
}

/**
 * Builds the band table of every component type. Elements must already have passed their own
 * schema (valid "HH:MM" times, no component twice in one element); cross-element problems (two
 * defaults, overlapping windows, unpriced minutes) come back as issues rather than thrown.
 */
export function buildBands(elements: readonly BandElement[]): BandBuild {
  const issues: BandBuild['issues'] = [];
  const bands = {} as Record<ComponentType, ComponentBands>;
  for (const type of COMPONENT_TYPES) {
    const defaults: number[] = [];
    const restricted: number[] = [];
    elements.forEach((element, index) => {
      if (!element.components.some((c) => c.type === type)) return;
      (element.restrictions ? restricted : defaults).push(index);
    });
    for (const extra of defaults.slice(1)) {
      issues.push({
        path: ['elements', extra],
        message: `elements[${defaults[0]}] and elements[${extra}] both set an unrestricted ${type} price; keep one default and give the others restrictions`,
      });
    }
    const fallback = defaults[0] ?? -1;
    if (restricted.length === 0) {
      bands[type] = { constant: fallback === -1 ? null : fallback, table: null, boundaries: [] };
      continue;
    }
    const table = new Int16Array(MINUTES_PER_WEEK).fill(-1);
    for (const index of restricted) {
      forEachCoveredMinute(elements[index]?.restrictions as BandWindow, (minute) => {
        const owner = table[minute] as number;
        if (owner !== -1) {
          issues.push({
            path: ['elements', index, 'restrictions'],
            message: `elements[${owner}] and elements[${index}] both price ${type} at ${formatWeekMinute(minute)}; time windows for the same component must not overlap`,
          });
          return false;
        }
        table[minute] = index;
        return true;
      });
    }
    const gap = table.indexOf(-1);
    if (fallback !== -1) {
      for (let m = 0; m < MINUTES_PER_WEEK; m++) if (table[m] === -1) table[m] = fallback;
    } else if (gap !== -1) {
      issues.push({
        path: ['elements'],
        message: `${type} has no price at ${formatWeekMinute(gap)}; cover the whole week or add an element without restrictions as the default ${type} price`,
      });
    }
    const boundaries: number[] = [];
    for (let m = 0; m < MINUTES_PER_WEEK; m++) {
      if (table[m] !== table[(m + MINUTES_PER_WEEK - 1) % MINUTES_PER_WEEK]) boundaries.push(m);
    }
    bands[type] =
      boundaries.length === 0
        ? { constant: table[0] === -1 ? null : (table[0] as number), table: null, boundaries }
        : { constant: null, table, boundaries };
  }
  return { bands, issues };
}
