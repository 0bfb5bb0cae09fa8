/**
 * The console's dashboard: chargers online and offline, connectors by status, live sessions, and
 * today's sessions, energy and revenue in the operator's time zone.
 *
 * Why a bounded read and not counters: counters per operator would have to move with every status
 * change, (dis)connection, charger registration, deletion and move between operators, each written
 * by another flow, and a crash between a status write and its counter update would leave them wrong
 * for good unless a repair job recounted them. Instead the summary reads what the charger list reads:
 * the charger items with their denormalised status (charger-listing.ts), through the same gsi1 query,
 * in pages of up to 1 MB. That is exact by construction and costs a handful of requests even at
 * 5,000 chargers (about 1 KB each: 5 to 6 queries, measured by `npm run bench:chargers`), never one
 * per charger. It is bounded: at most MAX_CHARGER_QUERIES pages; beyond that the answer says
 * `chargers-truncated`. Today's figures read only the sessions that started today (gsi1 by start
 * time), likewise bounded by MAX_SESSION_QUERIES.
 */
import { localDateAt, localDayStartSeconds, nextLocalDate } from '../../domain/local-day.js';
import type { Clock } from '../../ports/clock.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import { storedCharge } from './stored-charge.js';

/** At ~1 KB a charger item, 1 MB pages: about 40,000 chargers before the answer is cut short. */
export const MAX_CHARGER_QUERIES = 40;
/** Today's sessions, at a few KB each: tens of thousands before the answer is cut short. */
export const MAX_SESSION_QUERIES = 40;

/**
 * Connector statuses during a transaction (OCPP 1.6 §4.9): a connector in one of them has a live
 * session. Counted from the connectors, a session that started before today is live too, and no
 * read of open transactions is needed.
 */
export const LIVE_SESSION_STATUSES: ReadonlySet<string> = new Set([
  'Charging',
  'SuspendedEV',
  'SuspendedEVSE',
]);

export type DashboardFlag = 'chargers-truncated' | 'sessions-truncated';

export interface DashboardSummary {
  timeZone: string;
  /** Today, in the operator's time zone. */
  date: string;
  asOf: string;
  chargers: { total: number; online: number; offline: number };
  /** Connectors (not connector 0, the charger as a whole) by their last status. */
  connectorsByStatus: { status: string; count: number }[];
  liveSessions: number;
  today: {
    sessionCount: number;
    energyMilliWh: number;
    /** Final charges of sessions started today, gross. */
    revenueMinor: number;
    /** Running or not yet final charges of sessions started today, gross: may still change. */
    provisionalRevenueMinor: number;
    currency: string;
  };
  flags: DashboardFlag[];
}

export interface DashboardDeps {
  views: Pick<OperatorViews, 'operator' | 'allChargers' | 'transactionsStartedBetween'>;
  clock: Clock;
}

export async function dashboardSummary(
  deps: DashboardDeps,
  operatorId: string,
): Promise<DashboardSummary | undefined> {
  const operator = await deps.views.operator(operatorId);
  if (!operator) return undefined;
  const timeZone = operator.timeZone ?? 'UTC';
  const currency = operator.currency.toUpperCase();
  const nowMs = deps.clock.now();
  const date = localDateAt(timeZone, Math.floor(nowMs / 1000));
  const fromIso = new Date(localDayStartSeconds(timeZone, date) * 1000).toISOString();
  const toIso = new Date(localDayStartSeconds(timeZone, nextLocalDate(date)) * 1000).toISOString();

  const [chargers, sessions] = await Promise.all([
    deps.views.allChargers(operatorId, MAX_CHARGER_QUERIES),
    deps.views.transactionsStartedBetween(operatorId, fromIso, toIso, MAX_SESSION_QUERIES),
  ]);

  let online = 0;
  let liveSessions = 0;
  const byStatus = new Map<string, number>();
  for (const view of chargers.views) {
    if (view.connection) online++;
    for (const c of view.connectors) {
      if (c.connectorId === 0) continue;
      byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
      if (LIVE_SESSION_STATUSES.has(c.status)) liveSessions++;
    }
  }

  const today = {
    sessionCount: 0,
    energyMilliWh: 0,
    revenueMinor: 0,
    provisionalRevenueMinor: 0,
    currency,
  };
  for (const tx of sessions.items) {
    const charge = storedCharge(tx);
    today.sessionCount++;
    today.energyMilliWh += charge.energyMilliWh;
    // Money of another currency (the operator changed theirs) is not added to this one.
    if (charge.amounts?.currency !== currency) continue;
    if (charge.final) today.revenueMinor += charge.amounts.grossMinor;
    else today.provisionalRevenueMinor += charge.amounts.grossMinor;
  }

  const flags: DashboardFlag[] = [];
  if (!chargers.complete) flags.push('chargers-truncated');
  if (!sessions.complete) flags.push('sessions-truncated');
  return {
    timeZone,
    date,
    asOf: new Date(nowMs).toISOString(),
    chargers: { total: chargers.views.length, online, offline: chargers.views.length - online },
    connectorsByStatus: [...byStatus.entries()]
      .map(([status, count]) => ({ status, count }))
      .sort((a, b) => a.status.localeCompare(b.status)),
    liveSessions,
    today,
    flags,
  };
}
