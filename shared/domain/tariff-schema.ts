/**
 * Service rates (tariffs): the schema, its validation messages, and the validated copy a
 * transaction keeps.
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
 *   Those cross-element rules are checked by building the bands (tariff-bands.ts).
 *
 * Prices are integers in thousandths of a minor unit (`priceMilliMinor`), taxes in basis points.
 * A tariff is a plain JSON-safe object: the transaction stores a copy (the snapshot) and is priced
 * with it to the end, whatever happens to the operator's tariff afterwards.
 */

// zod/mini: the same checks as the chained API, written as `.check(...)`, without its weight in
// every function that prices a session; zod-messages.ts installs zod's English messages.
import * as z from 'zod/mini';
import { DomainError } from './errors.js';
import { isValidTimeZone } from './local-time.js';
import { isCurrencyCode } from './money.js';
import { listProblems } from './problems.js';
import { buildBands } from './tariff-bands.js';
import { COMPONENT_TYPES, type ComponentType, DAYS_OF_WEEK } from './tariff-vocabulary.js';
import './zod-messages.js';

// 10^12 thousandths = 10^9 minor units per unit: far above any real price, and small enough that
// quantity x price stays well inside bigint-to-number conversions of the results.
const MAX_PRICE_MILLI_MINOR = 1_000_000_000_000;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/**
 * An element per hour of the week (168) still fits, with room to spare; far beyond that a tariff
 * is a mistake or an attack, and one this size (every element with every component) stays well
 * under DynamoDB's 400 KB item, stored on its own and as the snapshot on every transaction.
 */
export const MAX_TARIFF_ELEMENTS = 200;

const taxRateBp = z
  .int({ error: 'taxRateBp must be a whole number of basis points (20 % is 2000)' })
  .check(
    z.minimum(0, { error: 'taxRateBp must not be negative' }),
    z.maximum(10_000, { error: 'taxRateBp must be at most 10000 (100 %)' }),
  );

export const PriceComponentSchema = z.strictObject({
  type: z.enum(COMPONENT_TYPES, { error: `type must be one of ${COMPONENT_TYPES.join(', ')}` }),
  priceMilliMinor: z
    .int({
      error: 'priceMilliMinor must be a whole number of thousandths of a minor unit (45.5p per kWh is 45500)',
    })
    .check(
      z.minimum(0, { error: 'priceMilliMinor must not be negative' }),
      z.maximum(MAX_PRICE_MILLI_MINOR, { error: `priceMilliMinor must be at most ${MAX_PRICE_MILLI_MINOR}` }),
    ),
  taxRateBp,
});
export type PriceComponent = z.infer<typeof PriceComponentSchema>;

const localTime = (field: string) =>
  z
    .string({ error: `${field} must be a local time "HH:MM"` })
    .check(z.regex(LOCAL_TIME, { error: `${field} must be a local time "HH:MM" from 00:00 to 23:59` }));

/**
 * Restrictions: `startTime` inclusive, `endTime` exclusive, local to the tariff's time zone. A window
 * whose end is before its start runs past midnight (22:00-06:00). `daysOfWeek` names the day the
 * window starts on, so FRIDAY 22:00-06:00 covers Friday night until Saturday 06:00 (this is where we
 * differ from OCPI, which tests each restriction against the current day and splits such a window).
 */
export const RestrictionsSchema = z
  .strictObject({
    startTime: z.optional(localTime('startTime')),
    endTime: z.optional(localTime('endTime')),
    daysOfWeek: z.optional(
      z
        .array(
          z.enum(DAYS_OF_WEEK, { error: `daysOfWeek entries must be one of ${DAYS_OF_WEEK.join(', ')}` }),
        )
        .check(
          z.minLength(1, { error: 'daysOfWeek must name at least one day (leave it out for every day)' }),
          z.maxLength(DAYS_OF_WEEK.length, {
            error: `daysOfWeek must name at most ${DAYS_OF_WEEK.length} days`,
          }),
        ),
    ),
  })
  .check(
    z.superRefine((r, ctx) => {
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
    }),
  );
export type Restrictions = z.infer<typeof RestrictionsSchema>;

export const TariffElementSchema = z
  .strictObject({
    /** Shown on receipts for a restricted band, e.g. "Night". */
    label: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    components: z.array(PriceComponentSchema).check(
      z.minLength(1, { error: 'an element needs at least one price component' }),
      // Each type at most once (checked below), so never more components than types.
      z.maxLength(COMPONENT_TYPES.length, {
        error: `an element has at most ${COMPONENT_TYPES.length} price components, one per type`,
      }),
    ),
    restrictions: z.optional(RestrictionsSchema),
  })
  .check(
    z.superRefine((element, ctx) => {
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
    }),
  );
export type TariffElement = z.infer<typeof TariffElementSchema>;

export const TariffSchema = z
  .strictObject({
    id: z.string({ error: 'id must be a string' }).check(z.minLength(1, { error: 'id must not be empty' })),
    operatorId: z
      .string({ error: 'operatorId must be a string' })
      .check(z.minLength(1, { error: 'operatorId must not be empty' })),
    name: z.optional(z.string().check(z.maxLength(120, { error: 'name must be at most 120 characters' }))),
    currency: z
      .string({ error: 'currency must be a string' })
      .check(
        z.refine(isCurrencyCode, { error: 'currency must be an ISO 4217 code in upper case, e.g. "GBP"' }),
      ),
    timeZone: z
      .string({ error: 'timeZone must be a string' })
      .check(
        z.refine(isValidTimeZone, { error: 'timeZone must be an IANA time zone, e.g. "Europe/London"' }),
      ),
    elements: z
      .array(TariffElementSchema)
      .check(
        z.minLength(1, { error: 'a tariff needs at least one element' }),
        z.maxLength(MAX_TARIFF_ELEMENTS, { error: `a tariff has at most ${MAX_TARIFF_ELEMENTS} elements` }),
      ),
    /** Seconds of idling after charging ends that PARKING does not bill (default 0). */
    parkingGraceSeconds: z.optional(
      z
        .int({ error: 'parkingGraceSeconds must be a whole number of seconds' })
        .check(
          z.minimum(0, { error: 'parkingGraceSeconds must not be negative' }),
          z.maximum(86_400, { error: 'parkingGraceSeconds must be at most 86400 (one day)' }),
        ),
    ),
    /**
     * Whether a session that takes no energy at all is billed PARKING from its start plus the grace
     * period (default false: with no energy the driver cannot tell a full battery from a faulty
     * charger, so an idle fee for a bay that never charged is the operator's choice to make).
     */
    parkingWithoutEnergy: z.optional(z.boolean({ error: 'parkingWithoutEnergy must be true or false' })),
    /** The least a session costs, tax included; topped up by a MINIMUM line taxed at `taxRateBp`. */
    minimumCharge: z.optional(
      z.strictObject({
        grossMinor: z.int({ error: 'minimumCharge.grossMinor must be a whole number of minor units' }).check(
          z.minimum(1, {
            error: 'minimumCharge.grossMinor must be positive (leave minimumCharge out for none)',
          }),
          z.maximum(Number.MAX_SAFE_INTEGER),
        ),
        taxRateBp,
      }),
    ),
  })
  .check(
    z.superRefine((tariff, ctx) => {
      for (const issue of buildBands(tariff.elements).issues) ctx.addIssue({ code: 'custom', ...issue });
    }),
  );

/** A validated tariff (plain JSON-safe object). */
export type Tariff = z.infer<typeof TariffSchema>;
/** What callers may hand to {@link parseTariff}. */
export type TariffInput = z.input<typeof TariffSchema>;

/** One problem found in a tariff, with the path to the offending field. */
export interface TariffIssue {
  path: string;
  message: string;
}

/**
 * Thrown when a tariff breaks the rules; `issues` lists every problem, the message reads out the
 * first few and counts the rest (it is the caller's error body).
 */
export class InvalidTariffError extends DomainError {
  override readonly name = 'InvalidTariffError';
  readonly issues: TariffIssue[];

  constructor(issues: TariffIssue[]) {
    super(
      'TARIFF_INVALID',
      `Invalid tariff: ${listProblems(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)))}`,
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
