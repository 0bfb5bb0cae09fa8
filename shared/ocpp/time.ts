/**
 * Charger timestamps in one canonical form (UTC, milliseconds, `Z`), so the same instant written
 * two ways (`...00Z`, `...00.000+00:00`) builds the same storage key. The schema's date-time
 * format admits a time without an offset; chargers that send one mean UTC (OCPP 1.6 §3.13 asks for
 * UTC), and reading it as local time would shift it by the host's zone.
 */
const HAS_ZONE = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;

/** Canonical ISO-8601 UTC; the input unchanged if it is not a time JavaScript can read (e.g. a leap second). */
export function normaliseTimestamp(value: string): string {
  const ms = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

export function isoFromMillis(ms: number): string {
  return new Date(ms).toISOString();
}
