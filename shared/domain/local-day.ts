/**
 * Local calendar days of an IANA time zone as UTC instants: the dashboard's "today" and the revenue
 * summary's days are the operator's, not UTC's. Offsets come from local-time.ts (Intl, exact).
 */
import { utcOffsetSeconds } from './local-time.js';

const DAY_SECONDS = 24 * 60 * 60;

/** A local date, `YYYY-MM-DD`. */
export type LocalDate = string;

export const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The local date in `timeZone` at the instant `atSeconds` (epoch seconds). */
export function localDateAt(timeZone: string, atSeconds: number): LocalDate {
  const localSeconds = atSeconds + utcOffsetSeconds(timeZone, atSeconds);
  return new Date(Math.floor(localSeconds / DAY_SECONDS) * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/**
 * The instant (epoch seconds) the local day `date` starts in `timeZone`. The offset is looked up at
 * the first guess and again at the instant it gives, so a day that starts just after an offset
 * change gets the new offset. Where local midnight does not exist (a zone that springs forward at
 * 00:00), the day starts at the first local instant after it.
 */
export function localDayStartSeconds(timeZone: string, date: LocalDate): number {
  const midnightAsUtc = Date.parse(`${date}T00:00:00.000Z`) / 1000;
  const guess = midnightAsUtc - utcOffsetSeconds(timeZone, midnightAsUtc);
  return midnightAsUtc - utcOffsetSeconds(timeZone, guess);
}

/** The calendar date after `date` (zone-free arithmetic on the date itself). */
export function nextLocalDate(date: LocalDate): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (0 when equal; negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round(
    (Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / (DAY_SECONDS * 1000),
  );
}

/** True for a real calendar date in `YYYY-MM-DD` form (not 2026-02-30). */
export function isLocalDate(value: string): boolean {
  if (!LOCAL_DATE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}
