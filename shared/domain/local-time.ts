/**
 * Local wall-clock time for time-of-day prices. Instants here are integer epoch seconds (UTC): band
 * edges and offset changes fall on whole minutes, so pricing, which bills from the milliseconds the
 * charger sent, looks a band up at its millisecond instant rounded down and gets the same answer as
 * at the millisecond itself. A tariff's bands are in its own IANA time zone. Offsets come from the runtime's ICU data through `Intl`
 * (no date library is installed, and `Intl` is exact for this), memoised because `formatToParts`
 * costs microseconds and pricing asks for offsets often.
 *
 * Assumption (true for every zone in the current tz database): UTC offsets are whole multiples of
 * 15 minutes and change at most once in a UTC day, at an instant that is a multiple of 15 minutes.
 */
export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const SLOT_SECONDS = 900;
const DAY_SECONDS = 86_400;
// 1970-01-01 was a Thursday; weeks here start Monday 00:00, so epoch minute 0 is minute 4320 of a week.
const EPOCH_WEEK_MINUTE = 3 * MINUTES_PER_DAY;

interface ZoneCache {
  format: Intl.DateTimeFormat;
  // Per UTC day: the offset when it holds all day, or null when the day has a transition.
  days: Map<number, number | null>;
  slots: Map<number, number>;
}

const zones = new Map<string, ZoneCache>();
const MAX_CACHED_ENTRIES = 100_000;

function zone(timeZone: string): ZoneCache {
  let cache = zones.get(timeZone);
  if (!cache) {
    cache = {
      format: new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
      days: new Map(),
      slots: new Map(),
    };
    zones.set(timeZone, cache);
  }
  if (cache.days.size + cache.slots.size > MAX_CACHED_ENTRIES) {
    cache.days.clear();
    cache.slots.clear();
  }
  return cache;
}

/** True when the runtime knows the IANA zone name (e.g. "Europe/London", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function rawOffset(cache: ZoneCache, at: number): number {
  const fields: Record<string, number> = {};
  for (const part of cache.format.formatToParts(at * 1000)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  return local / 1000 - at;
}

/** The zone's offset from UTC, in seconds, at the instant `at` (epoch seconds). */
export function utcOffsetSeconds(timeZone: string, at: number): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const cache = zone(timeZone);
  const day = Math.floor(at / DAY_SECONDS);
  let whole = cache.days.get(day);
  if (whole === undefined) {
    const first = rawOffset(cache, day * DAY_SECONDS);
    const last = rawOffset(cache, (day + 1) * DAY_SECONDS - 1);
    whole = first === last ? first : null;
    cache.days.set(day, whole);
  }
  if (whole !== null) return whole;
  const slot = Math.floor(at / SLOT_SECONDS);
  let offset = cache.slots.get(slot);
  if (offset === undefined) {
    offset = rawOffset(cache, slot * SLOT_SECONDS);
    cache.slots.set(slot, offset);
  }
  return offset;
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** Minute of the local week (Monday 00:00 is 0, Sunday 23:59 is 10079) at the instant `at`. */
export function localWeekMinute(timeZone: string, at: number): number {
  const localMinute = Math.floor((at + utcOffsetSeconds(timeZone, at)) / 60);
  return modulo(localMinute + EPOCH_WEEK_MINUTE, MINUTES_PER_WEEK);
}

/** A half-open span of time [start, end) in epoch seconds. */
export interface Segment {
  start: number;
  end: number;
}

/**
 * First 15-minute slot start in (from, to] where `matches(offset)` holds, assuming it holds from
 * some slot onward (one transition at most in the range).
 */
function firstSlotWhere(timeZone: string, from: number, to: number, matches: (offset: number) => boolean) {
  let lo = Math.floor(from / SLOT_SECONDS) + 1;
  let hi = Math.floor(to / SLOT_SECONDS);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (matches(utcOffsetSeconds(timeZone, mid * SLOT_SECONDS))) hi = mid;
    else lo = mid + 1;
  }
  return lo * SLOT_SECONDS;
}

/**
 * The span around `at` in which the local week minute stays between the same two consecutive
 * `boundaries` (sorted local week minutes) and the UTC offset does not change. Offset transitions
 * are extra boundaries so that local time runs linearly inside a segment: the price band is then
 * constant across it, and a "repeated hour" in autumn never makes a segment overlap another.
 * With no boundaries the whole time line is one segment.
 */
export function segmentAt(timeZone: string, boundaries: readonly number[], at: number): Segment {
  const count = boundaries.length;
  if (count === 0) return { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  const offset = utcOffsetSeconds(timeZone, at);
  const localMinute = Math.floor((at + offset) / 60);
  const week = modulo(localMinute + EPOCH_WEEK_MINUTE, MINUTES_PER_WEEK);
  let index = count - 1;
  while (index >= 0 && (boundaries[index] as number) > week) index--;
  const previous =
    index >= 0 ? (boundaries[index] as number) : (boundaries[count - 1] as number) - MINUTES_PER_WEEK;
  const next =
    index + 1 < count ? (boundaries[index + 1] as number) : (boundaries[0] as number) + MINUTES_PER_WEEK;

  let start = (localMinute - (week - previous)) * 60 - offset;
  if (utcOffsetSeconds(timeZone, start) !== offset) {
    start = firstSlotWhere(timeZone, start, at, (o) => o === offset);
  }
  let end = (localMinute + (next - week)) * 60 - offset;
  if (utcOffsetSeconds(timeZone, end - 1) !== offset) {
    end = firstSlotWhere(timeZone, at, end - 1, (o) => o !== offset);
  }
  return { start, end };
}
