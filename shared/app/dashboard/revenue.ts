/**
 * The revenue summary: final charges of the sessions that started in a range of the operator's
 * local days, summed by day, site or charger. A session counts on the local day it started (the
 * index orders sessions by start), and only once its charge is final: running sessions would make
 * a closed day's figures move.
 *
 * Paging: by day, a page is `limit` consecutive days (days without sessions included, with zeros),
 * and it reads only those days' sessions. By site or charger every session of the range must be
 * read before any group is complete, so each page reads the range (at most MAX_RANGE_DAYS, at most
 * MAX_REVENUE_QUERIES queries, else `range-too-large`) and returns the groups after the cursor's.
 * Summing at finalisation into per-day rollup items would make those pages cheap too; that belongs
 * to the finaliser, and is left for when ranges of that size are asked for.
 */
import {
  daysBetween,
  isLocalDate,
  type LocalDate,
  localDayStartSeconds,
  nextLocalDate,
} from '../../domain/local-day.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import { InvalidCursorError } from '../../ports/paging.js';
import { storedCharge } from './stored-charge.js';

export const MAX_RANGE_DAYS = 366;
/** At a few KB a session, 1 MB pages: some 100,000 sessions in one summary. */
export const MAX_REVENUE_QUERIES = 400;

export type RevenueGrouping = 'day' | 'site' | 'charger';

export interface RevenueRow {
  /** The group: a local date, a site id (empty: sessions without a site) or a charger id. */
  key: string;
  currency: string;
  sessionCount: number;
  energyMilliWh: number;
  netMinor: number;
  taxMinor: number;
  grossMinor: number;
}

/** Whether `from`..`to` is a range the summary takes: real dates, in order, at most MAX_RANGE_DAYS days. */
export function revenueRangeProblem(from: string, to: string): string | undefined {
  if (!isLocalDate(from) || !isLocalDate(to)) return 'from and to must be dates, YYYY-MM-DD';
  const span = daysBetween(from, to) + 1;
  if (span < 1) return 'to must not be before from';
  if (span > MAX_RANGE_DAYS) return `at most ${MAX_RANGE_DAYS} days in one summary`;
  return undefined;
}

/** A range revenueRangeProblem accepted. */
export interface RevenueRequest {
  from: LocalDate;
  /** Inclusive. */
  to: LocalDate;
  by: RevenueGrouping;
  limit: number;
  cursor?: string;
}

export interface RevenuePage {
  timeZone: string;
  rows: RevenueRow[];
  next?: string;
}

export interface RevenueDeps {
  views: Pick<OperatorViews, 'operator' | 'transactionsStartedBetween'>;
}

interface Cursor {
  by: RevenueGrouping;
  from: LocalDate;
  to: LocalDate;
  /** The last group key (and currency) of the page before. */
  after: string;
}

function writeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function readCursor(cursor: string, req: RevenueRequest): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not one this summary gave');
  }
  const ok =
    typeof c === 'object' &&
    c !== null &&
    (c as Cursor).by === req.by &&
    (c as Cursor).from === req.from &&
    (c as Cursor).to === req.to &&
    typeof (c as Cursor).after === 'string';
  if (!ok) throw new InvalidCursorError('the cursor belongs to another summary (by, from and to must stay)');
  return c as Cursor;
}

const sortKey = (row: Pick<RevenueRow, 'key' | 'currency'>): string => `${row.key}\u0000${row.currency}`;

export async function revenueSummary(
  deps: RevenueDeps,
  operatorId: string,
  req: RevenueRequest,
): Promise<RevenuePage | 'range-too-large' | undefined> {
  const after = req.cursor ? readCursor(req.cursor, req).after : undefined;
  const operator = await deps.views.operator(operatorId);
  if (!operator) return undefined;
  const timeZone = operator.timeZone ?? 'UTC';

  // By day the page's days are known before reading: read only those.
  let firstDay = req.from;
  let lastDay = req.to;
  if (req.by === 'day') {
    if (after !== undefined) firstDay = nextLocalDate(after.split('\u0000')[0] ?? req.from);
    const pageDays = Math.min(req.limit, daysBetween(firstDay, req.to) + 1);
    lastDay = firstDay;
    for (let i = 1; i < pageDays; i++) lastDay = nextLocalDate(lastDay);
  }
  const fromIso = new Date(localDayStartSeconds(timeZone, firstDay) * 1000).toISOString();
  const toIso = new Date(localDayStartSeconds(timeZone, nextLocalDate(lastDay)) * 1000).toISOString();
  const read = await deps.views.transactionsStartedBetween(operatorId, fromIso, toIso, MAX_REVENUE_QUERIES);
  if (!read.complete) return 'range-too-large';

  const groups = new Map<string, RevenueRow>();
  const dayOf = dayFinder(timeZone, firstDay, lastDay);
  for (const tx of read.items) {
    const charge = storedCharge(tx);
    if (!charge.final || !charge.amounts) continue;
    const key =
      req.by === 'day'
        ? dayOf(charge.startedAt)
        : req.by === 'site'
          ? (charge.siteId ?? '')
          : charge.chargerId;
    if (key === undefined) continue;
    const currency = charge.amounts.currency;
    const id = sortKey({ key, currency });
    const row = groups.get(id) ?? {
      key,
      currency,
      sessionCount: 0,
      energyMilliWh: 0,
      netMinor: 0,
      taxMinor: 0,
      grossMinor: 0,
    };
    row.sessionCount++;
    row.energyMilliWh += charge.energyMilliWh;
    row.netMinor += charge.amounts.netMinor;
    row.taxMinor += charge.amounts.taxMinor;
    row.grossMinor += charge.amounts.grossMinor;
    groups.set(id, row);
  }

  if (req.by === 'day') {
    // Every day of the page, so a chart has no gaps; a day without sessions in the operator's currency.
    const currency = operator.currency.toUpperCase();
    for (let day = firstDay; daysBetween(day, lastDay) >= 0; day = nextLocalDate(day)) {
      if (![...groups.values()].some((r) => r.key === day)) {
        groups.set(sortKey({ key: day, currency }), {
          key: day,
          currency,
          sessionCount: 0,
          energyMilliWh: 0,
          netMinor: 0,
          taxMinor: 0,
          grossMinor: 0,
        });
      }
    }
    const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
    const more = daysBetween(lastDay, req.to) > 0;
    return {
      timeZone,
      rows,
      ...(more ? { next: writeCursor({ by: req.by, from: req.from, to: req.to, after: lastDay }) } : {}),
    };
  }

  const sorted = [...groups.entries()]
    .filter(([id]) => after === undefined || id > after)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const page = sorted.slice(0, req.limit);
  const last = page.at(-1)?.[0];
  return {
    timeZone,
    rows: page.map(([, r]) => r),
    ...(sorted.length > req.limit && last !== undefined
      ? { next: writeCursor({ by: req.by, from: req.from, to: req.to, after: last }) }
      : {}),
  };
}

/** The local day (among the page's) a session started on, by the instants the days start at. */
function dayFinder(timeZone: string, firstDay: LocalDate, lastDay: LocalDate) {
  const starts: { day: LocalDate; startMs: number }[] = [];
  for (let day = firstDay; daysBetween(day, lastDay) >= 0; day = nextLocalDate(day)) {
    starts.push({ day, startMs: localDayStartSeconds(timeZone, day) * 1000 });
  }
  return (startedAt: string | undefined): LocalDate | undefined => {
    if (startedAt === undefined) return undefined;
    const ms = Date.parse(startedAt);
    let found: LocalDate | undefined;
    for (const s of starts) if (s.startMs <= ms) found = s.day;
    return found;
  };
}
