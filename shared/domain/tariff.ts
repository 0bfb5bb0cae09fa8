/**
 * Service rates (tariffs): schema, validation, time-of-day bands and which tariff applies where.
 *
 * Shape (OCPI 2.2 inspired, simplified so that a tariff can never be ambiguous):
 * - a tariff has a currency, an IANA time zone and one or more elements;
 * - an element has price components (ENERGY per kWh, TIME per hour, PARKING per hour, FLAT per
 *   session), each with its own tax rate, and optional restrictions (a local time window and/or
 *   days of the week);
 * - for each component type, at most one element is unrestricted (the default price); restricted
 *   windows for the same type must not overlap, and if a type has restricted windows it must be
 *   priced at every minute of the week (by windows or a default). So at any instant each component
 *   has exactly one price or none, and element order never matters (unlike OCPI's first match).
 *
 * Prices are integers in thousandths of a minor unit (`priceMilliMinor`), taxes in basis points.
 * A tariff is a plain JSON-safe object: the transaction stores a copy (the snapshot) and is priced
 * with it to the end, whatever happens to the operator's tariff afterwards.
 */
import { z } from 'zod';
import { DomainError } from './errors.js';
import { isValidTimeZone, localWeekMinute, MINUTES_PER_DAY, MINUTES_PER_WEEK } from './local-time.js';
import { isCurrencyCode } from './money.js';

export const COMPONENT_TYPES = ['ENERGY', 'TIME', 'PARKING', 'FLAT'] as const;
/** ENERGY per kWh, TIME per hour of session, PARKING per hour after charging ended, FLAT per session. */
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const DAYS_OF_WEEK = [
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

// 10^12 thousandths = 10^9 minor units per unit: far above any real price, and small enough that
// quantity x price stays well inside bigint-to-number conversions of the results.
const MAX_PRICE_MILLI_MINOR = 1_000_000_000_000;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

const taxRateBp = z
  .int({ error: 'taxRateBp must be a whole number of basis points (20 % is 2000)' })
  .min(0, { error: 'taxRateBp must not be negative' })
  .max(10_000, { error: 'taxRateBp must be at most 10000 (100 %)' });

export const PriceComponentSchema = z.strictObject({
  type: z.enum(COMPONENT_TYPES, { error: `type must be one of ${COMPONENT_TYPES.join(', ')}` }),
  priceMilliMinor: z
    .int({
      error: 'priceMilliMinor must be a whole number of thousandths of a minor unit (45.5p per kWh is 45500)',
    })
    .min(0, { error: 'priceMilliMinor must not be negative' })
    .max(MAX_PRICE_MILLI_MINOR, { error: `priceMilliMinor must be at most ${MAX_PRICE_MILLI_MINOR}` }),
  taxRateBp,
});
export type PriceComponent = z.infer<typeof PriceComponentSchema>;

const localTime = (field: string) =>
  z
    .string({ error: `${field} must be a local time "HH:MM"` })
    .regex(LOCAL_TIME, { error: `${field} must be a local time "HH:MM" from 00:00 to 23:59` });

/**
 * Restrictions: `startTime` inclusive, `endTime` exclusive, local to the tariff's time zone. A window
 * whose end is before its start runs past midnight (22:00-06:00). `daysOfWeek` names the day the
 * window starts on, so FRIDAY 22:00-06:00 covers Friday night until Saturday 06:00 (this is where we
 * differ from OCPI, which tests each restriction against the current day and splits such a window).
 */
export const RestrictionsSchema = z
  .strictObject({
    startTime: localTime('startTime').optional(),
    endTime: localTime('endTime').optional(),
    daysOfWeek: z
      .array(z.enum(DAYS_OF_WEEK, { error: `daysOfWeek entries must be one of ${DAYS_OF_WEEK.join(', ')}` }))
      .min(1, { error: 'daysOfWeek must name at least one day (leave it out for every day)' })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.startTime === undefined) !== (r.endTime === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give both startTime and endTime, or neither' });
    }
    if (r.startTime !== undefined && r.startTime === r.endTime) {
      ctx.addIssue({
        code: 'custom',
        path: ['endTime'],
        message: 'endTime must differ from startTime (for a whole day leave both out)',
      });
    }
    if (r.startTime === undefined && r.endTime === undefined && r.daysOfWeek === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'restrictions must limit something: give startTime/endTime and/or daysOfWeek',
      });
    }
    if (r.daysOfWeek && new Set(r.daysOfWeek).size !== r.daysOfWeek.length) {
      ctx.addIssue({ code: 'custom', path: ['daysOfWeek'], message: 'daysOfWeek must not repeat a day' });
    }
  });
export type Restrictions = z.infer<typeof RestrictionsSchema>;

export const TariffElementSchema = z
  .strictObject({
    /** Shown on receipts for a restricted band, e.g. "Night". */
    label: z.string().min(1).max(80).optional(),
    components: z
      .array(PriceComponentSchema)
      .min(1, { error: 'an element needs at least one price component' }),
    restrictions: RestrictionsSchema.optional(),
  })
  .superRefine((element, ctx) => {
    const seen = new Set<ComponentType>();
    element.components.forEach((component, index) => {
      if (seen.has(component.type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['components', index, 'type'],
          message: `${component.type} appears twice in one element; split it into elements with restrictions`,
        });
      }
      seen.add(component.type);
    });
  });
export type TariffElement = z.infer<typeof TariffElementSchema>;

/** A band table per component type: which element prices each minute of the local week. */
interface BandBuild {
  bands: Record<ComponentType, ComponentBands>;
  issues: { path: (string | number)[]; message: string }[];
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
function forEachCoveredMinute(restrictions: Restrictions, visit: (minute: number) => boolean): void {
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

function buildBands(elements: readonly TariffElement[]): BandBuild {
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
      forEachCoveredMinute(elements[index]?.restrictions as Restrictions, (minute) => {
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

export const TariffSchema = z
  .strictObject({
    id: z.string({ error: 'id must be a string' }).min(1, { error: 'id must not be empty' }),
    operatorId: z
      .string({ error: 'operatorId must be a string' })
      .min(1, { error: 'operatorId must not be empty' }),
    name: z.string().max(120, { error: 'name must be at most 120 characters' }).optional(),
    currency: z
      .string({ error: 'currency must be a string' })
      .refine(isCurrencyCode, { error: 'currency must be an ISO 4217 code in upper case, e.g. "GBP"' }),
    timeZone: z
      .string({ error: 'timeZone must be a string' })
      .refine(isValidTimeZone, { error: 'timeZone must be an IANA time zone, e.g. "Europe/London"' }),
    elements: z.array(TariffElementSchema).min(1, { error: 'a tariff needs at least one element' }),
    /** Seconds of idling after charging ends that PARKING does not bill (default 0). */
    parkingGraceSeconds: z
      .int({ error: 'parkingGraceSeconds must be a whole number of seconds' })
      .min(0, { error: 'parkingGraceSeconds must not be negative' })
      .max(86_400, { error: 'parkingGraceSeconds must be at most 86400 (one day)' })
      .optional(),
    /** The least a session costs, tax included; topped up by a MINIMUM line taxed at `taxRateBp`. */
    minimumCharge: z
      .strictObject({
        grossMinor: z
          .int({ error: 'minimumCharge.grossMinor must be a whole number of minor units' })
          .min(1, { error: 'minimumCharge.grossMinor must be positive (leave minimumCharge out for none)' })
          .max(Number.MAX_SAFE_INTEGER),
        taxRateBp,
      })
      .optional(),
  })
  .superRefine((tariff, ctx) => {
    for (const issue of buildBands(tariff.elements).issues) ctx.addIssue({ code: 'custom', ...issue });
  });

/** A validated tariff (plain JSON-safe object). */
export type Tariff = z.infer<typeof TariffSchema>;
/** What callers may hand to {@link parseTariff}. */
export type TariffInput = z.input<typeof TariffSchema>;

/** One problem found in a tariff, with the path to the offending field. */
export interface TariffIssue {
  path: string;
  message: string;
}

/** Thrown when a tariff breaks the rules; `issues` lists every problem, the message reads them out. */
export class InvalidTariffError extends DomainError {
  override readonly name = 'InvalidTariffError';
  readonly issues: TariffIssue[];

  constructor(issues: TariffIssue[]) {
    super(
      'TARIFF_INVALID',
      `Invalid tariff: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    );
    this.issues = issues;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Validates without throwing. */
export function safeParseTariff(
  input: unknown,
): { ok: true; tariff: Tariff } | { ok: false; error: InvalidTariffError } {
  const result = TariffSchema.safeParse(input);
  if (result.success) return { ok: true, tariff: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  return { ok: false, error: new InvalidTariffError(issues) };
}

/** Validates a tariff and returns a fresh copy; throws {@link InvalidTariffError} with every problem. */
export function parseTariff(input: unknown): Tariff {
  const result = safeParseTariff(input);
  if (!result.ok) throw result.error;
  return result.tariff;
}

/**
 * The copy stored on a transaction when it starts: validated, sharing nothing with the live tariff,
 * and plain JSON, so it survives DynamoDB and prices the session to the end.
 */
export function snapshotTariff(tariff: Tariff): Tariff {
  return parseTariff(structuredClone(tariff));
}

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

const id = (field: string) =>
  z.string({ error: `${field} must be a string` }).min(1, { error: `${field} must not be empty` });

/**
 * Which tariff applies where. A group assignment may be limited to one site (residents' price at
 * their building) or apply at every site of the operator (a fleet's price).
 */
export const TariffAssignmentSchema = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.literal('site'), siteId: id('siteId'), tariffId: id('tariffId') }),
  z.strictObject({ scope: z.literal('charger'), chargerId: id('chargerId'), tariffId: id('tariffId') }),
  z.strictObject({
    scope: z.literal('group'),
    groupId: id('groupId'),
    siteId: id('siteId').optional(),
    tariffId: id('tariffId'),
  }),
]);
export type TariffAssignment = z.infer<typeof TariffAssignmentSchema>;

/** The tariff chosen for a session and why. */
export interface ResolvedTariff {
  tariff: Tariff;
  matchedBy: 'group' | 'charger' | 'site';
  assignment: TariffAssignment;
}

// Code-unit order, not locale order: the same ids sort the same way on every machine.
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byTariffId = (a: TariffAssignment, b: TariffAssignment) => compareIds(a.tariffId, b.tariffId);

/**
 * Picks the tariff for a session. Precedence: a group the driver belongs to, then the charger, then
 * the site (a group price overrides the charger and site prices: residents pay less than visitors).
 * Within groups, an assignment limited to this site beats one valid at every site; remaining ties
 * (a driver in two groups, two assignments on one charger) go to the lowest groupId, then tariffId,
 * so the answer never depends on the order the assignments were read in. Null when nothing applies.
 */
export function resolveTariff(input: {
  tariffs: readonly Tariff[];
  assignments: readonly TariffAssignment[];
  siteId?: string;
  chargerId: string;
  groupIds?: readonly string[];
}): ResolvedTariff | null {
  const groups = new Set(input.groupIds ?? []);
  const group = input.assignments
    .filter(
      (a): a is Extract<TariffAssignment, { scope: 'group' }> =>
        a.scope === 'group' && groups.has(a.groupId) && (a.siteId === undefined || a.siteId === input.siteId),
    )
    .sort(
      (a, b) =>
        Number(b.siteId !== undefined) - Number(a.siteId !== undefined) ||
        compareIds(a.groupId, b.groupId) ||
        byTariffId(a, b),
    )[0];
  const charger = input.assignments
    .filter((a) => a.scope === 'charger' && a.chargerId === input.chargerId)
    .sort(byTariffId)[0];
  const site = input.assignments
    .filter((a) => a.scope === 'site' && input.siteId !== undefined && a.siteId === input.siteId)
    .sort(byTariffId)[0];
  const chosen = group ?? charger ?? site;
  if (!chosen) return null;
  const tariff = input.tariffs.find((t) => t.id === chosen.tariffId);
  if (!tariff) {
    throw new DomainError(
      'TARIFF_NOT_FOUND',
      `tariff ${chosen.tariffId} is assigned (${chosen.scope}) but was not found`,
    );
  }
  return { tariff, matchedBy: chosen.scope, assignment: chosen };
}
