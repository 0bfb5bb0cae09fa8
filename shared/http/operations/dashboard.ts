/**
 * The console's dashboard and the revenue summary (issue 11): both read through the operator's
 * read models (ports/operator-views.ts) in a bounded number of queries, never one per charger or per
 * session (see shared/app/dashboard/summary.ts and revenue.ts for what each reads and why).
 */
import * as z from 'zod';
import { revenueRangeProblem, revenueSummary } from '../../app/dashboard/revenue.js';
import { dashboardSummary } from '../../app/dashboard/summary.js';
import { badRequest, found, notFound } from '../../lambda/http-errors.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery } from '../openapi/registry.js';
import {
  DashboardShape,
  dashboardOut,
  REVENUE_GROUPINGS,
  RevenuePageShape,
  revenueRowOut,
} from '../openapi/resources-dashboard.js';
import type { OperatorApiDeps } from '../operator-api.js';
import { json } from '../responses.js';

const RevenueQuery = PageQuery.extend({
  from: z.iso.date().describe("The first local day (YYYY-MM-DD, the operator's time zone)."),
  to: z.iso.date().describe('The last local day, included; at most 366 days after `from`.'),
  by: z.enum(REVENUE_GROUPINGS).default('day').describe('Group by local day, by site or by charger.'),
});

export function dashboardOperations(getDeps: () => OperatorApiDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'getDashboard',
      method: 'GET',
      path: '/api/v1/dashboard',
      summary: "Chargers online and offline, connectors by status, live sessions, today's energy and revenue",
      tag: 'Dashboard',
      responses: {
        200: { description: 'The summary.', schema: z.strictObject({ dashboard: DashboardShape }) },
      },
      handler: async ({ operatorId }) => {
        const summary = found(await dashboardSummary(getDeps(), operatorId), `operator ${operatorId}`);
        return json({ dashboard: dashboardOut(summary) });
      },
    }),
    defineOperation({
      operationId: 'getRevenueSummary',
      method: 'GET',
      path: '/api/v1/revenue',
      summary: 'Final charges of the sessions started in a range of days, by day, site or charger',
      description:
        'Gross, net, tax, energy and session count per group, from the stored final charges. A session ' +
        'counts on the local day it started, once its charge is final. By day, every day of the range ' +
        'is a row (zeros included); by site or charger, groups in id order.',
      tag: 'Dashboard',
      query: RevenueQuery,
      responses: { 200: { description: 'One page of groups.', schema: RevenuePageShape } },
      errors: { 400: [...LIST_ERRORS[400], 'range_too_large'] },
      handler: async ({ operatorId, query }) => {
        const problem = revenueRangeProblem(query.from, query.to);
        if (problem) throw badRequest(problem, 'invalid_parameter');
        const page = await revenueSummary(getDeps(), operatorId, {
          from: query.from,
          to: query.to,
          by: query.by,
          limit: query.limit,
          ...(query.cursor ? { cursor: query.cursor } : {}),
        });
        if (page === undefined) throw notFound(`operator ${operatorId} not found`);
        if (page === 'range-too-large') {
          throw badRequest(
            'more sessions than one summary reads: ask for a shorter range',
            'range_too_large',
          );
        }
        return json({
          timeZone: page.timeZone,
          items: page.rows.map((row) => revenueRowOut(query.by, row)),
          nextCursor: page.next ?? null,
        });
      },
    }),
  ];
}
