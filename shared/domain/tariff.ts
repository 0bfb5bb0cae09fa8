/**
 * Service rates (tariffs): the public entry. Callers import from here; the parts are
 * - tariff-vocabulary.ts: component types and days of the week;
 * - tariff-schema.ts: the zod schema, its validation messages, parsing and the snapshot copy;
 * - tariff-bands.ts: time-of-day / day-of-week bands and the overlap and coverage checks;
 * - tariff-compile.ts: a validated tariff with its bands built, and the lookups pricing makes;
 * - tariff-assignment.ts: which tariff applies where (group over charger over site).
 */

export * from './tariff-assignment.js';
export type { ComponentBands } from './tariff-bands.js';
export * from './tariff-compile.js';
export * from './tariff-schema.js';
export * from './tariff-vocabulary.js';
