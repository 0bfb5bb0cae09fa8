/**
 * A fleet's monthly statement (issue 12, "Fleets"): every session its cards were billed for in one
 * calendar month of the operator's time zone, each with its charge's components and tax, and the
 * month's totals. Pure: the sessions come in already read, and nothing here prices anything again.
 *
 * Each session is billed once, in the first statement cut after it became final (app/fleets/
 * monthly-statements.ts): one that started in an earlier month but became final after that month's
 * statement was cut (a late StopTransaction, an offline charger's queue, the settle window) is a
 * `late` line of the next statement, dated by the day it started.
 *
 * The sums are exact by construction: a line's total is the sum of its components as the final
 * charge stored them, the statement's totals are the sum of the lines' totals, and the per-rate
 * summary is the same components grouped by rate, so every view adds up to the same integers.
 * A charge's own `totals` are not used: they are what pricing derived from the same lines, and a
 * statement that shows lines must add up to what it shows.
 *
 * The renderings (CSV, PDF) are in app/fleets/render-statement.ts: they format, they do not add.
 */
import { type LocalDate, localDateAt, localDayStartSeconds } from './local-day.js';
import type { BasisPoints, LineAmounts, MinorUnits } from './money.js';
import type { ChargeComponent, ChargeLine } from './pricing.js';

/** A calendar month, `YYYY-MM`. */
export type StatementMonth = string;

export const STATEMENT_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** One final session billed to the fleet, as the statement reads it. */
export interface FleetSessionInput {
  chargerId: string;
  transactionId: number;
  siteId?: string;
  /** The card (id tag) that started it. */
  idTag: string;
  /** Epoch seconds. */
  startedAt: number;
  energyMilliWh: number;
  /** The final charge's currency; absent when the session had no charge (no tariff). */
  currency?: string;
  /** The final charge's lines; empty when the session had no charge. */
  lines: readonly ChargeLine[];
  /** Pricing could not price its stored data (`pricing-input-invalid`): there is nothing to bill. */
  unpriceable?: true;
}

export interface StatementComponent extends LineAmounts {
  component: ChargeComponent;
  label?: string;
  taxRateBp: BasisPoints;
}

export interface StatementLine {
  /** The local date the session started, in the operator's time zone. */
  date: LocalDate;
  /** Epoch seconds. */
  startedAt: number;
  chargerId: string;
  transactionId: number;
  siteId?: string;
  idTag: string;
  energyMilliWh: number;
  components: StatementComponent[];
  /** The sum of the components. */
  total: LineAmounts;
  /** Started before the statement's month, final only after that month's statement was cut. */
  late?: true;
}

/** The components of every line at one tax rate, summed. */
export interface StatementTax extends LineAmounts {
  taxRateBp: BasisPoints;
}

/**
 * Why a session is left off a statement: charged in another currency than the operator's, its stored
 * data could not be priced, or it started after the month (it belongs to a later statement).
 */
export type ExclusionReason = 'other-currency' | 'unpriceable' | 'outside-month';

/** A session left off the statement, and why (so the operator can look at it). */
export interface ExcludedSession {
  chargerId: string;
  transactionId: number;
  reason: ExclusionReason;
}

/**
 * The reasons a statement can never bill a session: such a session is taken off the unbilled queue
 * by the statement that finds it, and recorded on it (app/fleets/monthly-statements.ts). One started
 * after the month is not among them: the next statement bills it.
 */
export const UNBILLABLE: readonly ExclusionReason[] = ['other-currency', 'unpriceable'];

export interface FleetStatement {
  operatorId: string;
  fleetId: string;
  month: StatementMonth;
  timeZone: string;
  currency: string;
  /** Epoch seconds: the month's first local instant, and the next month's. */
  fromSeconds: number;
  toSeconds: number;
  lines: StatementLine[];
  taxes: StatementTax[];
  totals: LineAmounts;
  energyMilliWh: number;
  excluded: ExcludedSession[];
}

/** A statement without its lines, as its header item keeps it (the lines are stored one by one). */
export interface StatementSummary extends Omit<FleetStatement, 'lines'> {
  sessionCount: number;
  /** How many of the lines are `late`. */
  lateCount: number;
}

/** The month as a local date at its first day. */
const firstDay = (month: StatementMonth): LocalDate => `${month}-01`;

/** The month after `month` (zone-free arithmetic on the month itself). */
export function nextMonth(month: StatementMonth): StatementMonth {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}

/** The month before `month`. */
export function previousMonth(month: StatementMonth): StatementMonth {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

/** The local month in `timeZone` at the instant `atSeconds`. */
export function monthAt(timeZone: string, atSeconds: number): StatementMonth {
  return localDateAt(timeZone, atSeconds).slice(0, 7);
}

/** The month's local bounds as UTC instants: [from, to), epoch seconds. */
export function monthBounds(
  timeZone: string,
  month: StatementMonth,
): { fromSeconds: number; toSeconds: number } {
  if (!STATEMENT_MONTH.test(month)) throw new RangeError(`not a month: ${month}`);
  return {
    fromSeconds: localDayStartSeconds(timeZone, firstDay(month)),
    toSeconds: localDayStartSeconds(timeZone, firstDay(nextMonth(month))),
  };
}

const ZERO: LineAmounts = { netMinor: 0, taxMinor: 0, grossMinor: 0 };

function add(a: LineAmounts, b: LineAmounts): LineAmounts {
  return {
    netMinor: a.netMinor + b.netMinor,
    taxMinor: a.taxMinor + b.taxMinor,
    grossMinor: a.grossMinor + b.grossMinor,
  };
}

function checkMinor(name: string, value: MinorUnits): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be integer minor units, got ${value}`);
}

const byStart = (
  a: Pick<FleetSessionInput, 'startedAt' | 'chargerId' | 'transactionId'>,
  b: Pick<FleetSessionInput, 'startedAt' | 'chargerId' | 'transactionId'>,
): number =>
  a.startedAt - b.startedAt ||
  (a.chargerId < b.chargerId ? -1 : a.chargerId > b.chargerId ? 1 : 0) ||
  a.transactionId - b.transactionId;

/** The order of a statement's lines: by start, then charger, then transaction. */
export const lineOrder: (a: StatementLine, b: StatementLine) => number = byStart;

export interface StatementScope {
  operatorId: string;
  fleetId: string;
  month: StatementMonth;
  timeZone: string;
  currency: string;
}

/**
 * One session as a line of the statement of `scope.month`, or why it is left off: started after the
 * month (it belongs to a later statement), unpriceable, or charged in a currency other than the
 * statement's.
 * A session started before the month is a `late` line (see the top of this file).
 */
export function statementLine(
  scope: StatementScope,
  s: FleetSessionInput,
): { line: StatementLine } | { excluded: ExcludedSession } {
  const { fromSeconds, toSeconds } = monthBounds(scope.timeZone, scope.month);
  const ref = { chargerId: s.chargerId, transactionId: s.transactionId };
  if (s.startedAt >= toSeconds) return { excluded: { ...ref, reason: 'outside-month' } };
  if (s.unpriceable) return { excluded: { ...ref, reason: 'unpriceable' } };
  if (s.lines.length > 0 && s.currency !== scope.currency) {
    return { excluded: { ...ref, reason: 'other-currency' } };
  }
  const components = s.lines.map((l): StatementComponent => {
    checkMinor('netMinor', l.netMinor);
    checkMinor('taxMinor', l.taxMinor);
    checkMinor('grossMinor', l.grossMinor);
    return {
      component: l.component,
      ...(l.label !== undefined ? { label: l.label } : {}),
      taxRateBp: l.taxRateBp,
      netMinor: l.netMinor,
      taxMinor: l.taxMinor,
      grossMinor: l.grossMinor,
    };
  });
  return {
    line: {
      date: localDateAt(scope.timeZone, s.startedAt),
      startedAt: s.startedAt,
      ...ref,
      ...(s.siteId !== undefined ? { siteId: s.siteId } : {}),
      idTag: s.idTag,
      energyMilliWh: s.energyMilliWh,
      components,
      total: components.reduce<LineAmounts>(add, ZERO),
      ...(s.startedAt < fromSeconds ? { late: true as const } : {}),
    },
  };
}

/** The statement's summary: its lines' totals, per tax rate and in all, from the lines alone. */
export function summariseStatement(
  scope: StatementScope,
  lines: readonly StatementLine[],
  excluded: readonly ExcludedSession[],
): StatementSummary {
  const { fromSeconds, toSeconds } = monthBounds(scope.timeZone, scope.month);
  const taxes = new Map<BasisPoints, LineAmounts>();
  let totals = ZERO;
  let energyMilliWh = 0;
  let lateCount = 0;
  for (const line of lines) {
    for (const c of line.components) taxes.set(c.taxRateBp, add(taxes.get(c.taxRateBp) ?? ZERO, c));
    totals = add(totals, line.total);
    energyMilliWh += line.energyMilliWh;
    if (line.late) lateCount++;
  }
  for (const [name, value] of Object.entries(totals)) checkMinor(name, value);
  return {
    operatorId: scope.operatorId,
    fleetId: scope.fleetId,
    month: scope.month,
    timeZone: scope.timeZone,
    currency: scope.currency,
    fromSeconds,
    toSeconds,
    taxes: [...taxes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([taxRateBp, amounts]) => ({ taxRateBp, ...amounts })),
    totals,
    energyMilliWh,
    excluded: [...excluded],
    sessionCount: lines.length,
    lateCount,
  };
}

/**
 * The statement of `sessions` for `month` in `timeZone`: each session a line (a `late` one when it
 * started before the month), or listed in `excluded` when it started after the month or was
 * charged in a currency other than the statement's.
 */
export function buildFleetStatement(
  input: StatementScope & { sessions: readonly FleetSessionInput[] },
): FleetStatement {
  const { sessions, ...scope } = input;
  const lines: StatementLine[] = [];
  const excluded: ExcludedSession[] = [];
  for (const s of [...sessions].sort(byStart)) {
    const out = statementLine(scope, s);
    if ('line' in out) lines.push(out.line);
    else excluded.push(out.excluded);
  }
  const { sessionCount: _count, lateCount: _late, ...summary } = summariseStatement(scope, lines, excluded);
  return { ...summary, lines };
}
