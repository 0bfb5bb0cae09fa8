/**
 * Public shapes of the dashboard summary and the revenue summary (issue 11), and their one mapping
 * each from what the use cases (shared/app/dashboard/) compute. Money is `{amountMinor, currency}`.
 */
import * as z from 'zod';
import type { RevenueGrouping, RevenueRow } from '../../app/dashboard/revenue.js';
import type { DashboardSummary } from '../../app/dashboard/summary.js';
import { MoneyShape } from './resources.js';

const instant = z.iso.datetime({ offset: true });
const localDate = z.iso.date();

export const DASHBOARD_FLAGS = ['chargers-truncated', 'sessions-truncated'] as const;

export const DashboardShape = z
  .strictObject({
    timeZone: z.string().describe("The operator's time zone, which `today` is a day of."),
    date: localDate.describe('Today, in that time zone.'),
    asOf: instant,
    chargers: z.strictObject({
      total: z.number().int().min(0),
      online: z.number().int().min(0),
      offline: z.number().int().min(0),
    }),
    connectorsByStatus: z
      .array(z.strictObject({ status: z.string(), count: z.number().int().min(1) }))
      .describe('Connectors by their last OCPP status (connector 0, the charger itself, left out).'),
    liveSessions: z
      .number()
      .int()
      .min(0)
      .describe('Connectors in a session now: Charging, SuspendedEV or SuspendedEVSE.'),
    today: z.strictObject({
      sessionCount: z.number().int().min(0).describe('Sessions started today.'),
      energyMilliWh: z.number().int().min(0),
      revenue: MoneyShape.describe('Final charges of the sessions started today, gross.'),
      provisionalRevenue: MoneyShape.describe('Charges of sessions started today not final yet, gross.'),
    }),
    flags: z
      .array(z.enum(DASHBOARD_FLAGS))
      .describe('`chargers-truncated`, `sessions-truncated`: too many to read at once; figures are partial.'),
  })
  .meta({ id: 'Dashboard' });

export function dashboardOut(s: DashboardSummary): z.infer<typeof DashboardShape> {
  const money = (amountMinor: number) => ({ amountMinor, currency: s.today.currency });
  return {
    timeZone: s.timeZone,
    date: s.date,
    asOf: s.asOf,
    chargers: s.chargers,
    connectorsByStatus: s.connectorsByStatus,
    liveSessions: s.liveSessions,
    today: {
      sessionCount: s.today.sessionCount,
      energyMilliWh: s.today.energyMilliWh,
      revenue: money(s.today.revenueMinor),
      provisionalRevenue: money(s.today.provisionalRevenueMinor),
    },
    flags: s.flags,
  };
}

export const REVENUE_GROUPINGS = ['day', 'site', 'charger'] as const;

export const RevenueRowShape = z
  .strictObject({
    date: localDate.optional().describe('By day: the local day the sessions started on.'),
    siteId: z.string().nullable().optional().describe('By site: the site; null for sessions without one.'),
    chargerId: z.string().optional().describe('By charger: the charger.'),
    sessionCount: z.number().int().min(0),
    energyMilliWh: z.number().int().min(0),
    net: MoneyShape,
    tax: MoneyShape,
    gross: MoneyShape,
  })
  .meta({ id: 'RevenueRow', description: 'Final charges of one group of sessions.' });

export const RevenuePageShape = z
  .strictObject({
    timeZone: z.string().describe("The operator's time zone, whose days `from` and `to` are."),
    items: z.array(RevenueRowShape),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last one.'),
  })
  .meta({ id: 'RevenuePage' });

export function revenueRowOut(by: RevenueGrouping, r: RevenueRow): z.infer<typeof RevenueRowShape> {
  const money = (amountMinor: number) => ({ amountMinor, currency: r.currency });
  const group =
    by === 'day'
      ? { date: r.key }
      : by === 'site'
        ? { siteId: r.key === '' ? null : r.key }
        : { chargerId: r.key };
  return {
    ...group,
    sessionCount: r.sessionCount,
    energyMilliWh: r.energyMilliWh,
    net: money(r.netMinor),
    tax: money(r.taxMinor),
    gross: money(r.grossMinor),
  };
}
