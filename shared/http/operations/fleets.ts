/**
 * Fleet statements in the operator API (issue 12, "Fleets"): a fleet's monthly statements listed,
 * one read back as CSV or PDF (the same documents the monthly email carried, from the stored
 * figures), and one sent again by email. The statements themselves are made by the monthly run
 * (app/fleets/monthly-statements.ts); nothing here builds or changes one.
 */
import * as z from 'zod';
import type { FleetsDeps, StoredStatement } from '../../app/fleets/deps.js';
import {
  mailStatement,
  statementDocuments,
  statementRecipient,
} from '../../app/fleets/monthly-statements.js';
import { STATEMENT_MONTH } from '../../domain/fleet-statement.js';
import { notFound } from '../../lambda/http-errors.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery, pageOf } from '../openapi/registry.js';
import { MoneyShape } from '../openapi/resources.js';
import { json } from '../responses.js';

export interface FleetOperationsDeps {
  /** Absent in deps built for other parts' tests: every statement route then answers 404. */
  fleets?: FleetsDeps | undefined;
}

function fleetsOf(deps: FleetOperationsDeps): FleetsDeps {
  if (!deps.fleets) throw notFound('this deployment keeps no fleet statements');
  return deps.fleets;
}

const ref = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - only, at most 64');
const FleetPath = z.strictObject({ fleetId: ref });
const MonthPath = z.strictObject({
  fleetId: ref,
  month: z.string().regex(STATEMENT_MONTH, 'a month, YYYY-MM'),
});
const MISSING = { 400: ['invalid_parameter'], 404: ['not_found'] } as const;

const StatementShape = z
  .strictObject({
    fleetId: z.string(),
    month: z.string().describe('YYYY-MM, in the operator’s time zone.'),
    timeZone: z.string(),
    currency: z.string().length(3),
    sessionCount: z.number().int(),
    lateSessionCount: z
      .number()
      .int()
      .describe('Of the sessions, those started in an earlier month that became final after its statement.'),
    energyMilliWh: z.number().int(),
    netMinor: z.number().int(),
    taxMinor: z.number().int(),
    grossMinor: z.number().int().describe("The month's total: what a fleet with payment is invoiced."),
    createdAt: z.iso.datetime(),
    emailedTo: z.string().optional(),
    emailedAt: z.iso.datetime().optional(),
    invoice: z
      .strictObject({
        status: z.enum(['created', 'sent', 'paid']),
        number: z.string().optional(),
        amountDueMinor: z.number().int().optional(),
        sentAt: z.iso.datetime().optional(),
        paidAt: z.iso.datetime().optional().describe('When the fleet paid it.'),
      })
      .optional()
      .describe('The Stripe invoice of a fleet with payment, as far as it got.'),
    transfer: z
      .strictObject({
        status: z
          .enum(['pending', 'paid'])
          .describe('`pending` until your Stripe account can receive transfers, then `paid`.'),
        platformFee: MoneyShape.describe(
          "The platform's fee: the sum of each billed session's fee (a percentage and/or a fixed amount per session).",
        ),
        amount: MoneyShape.describe('What the paid invoice sends to your Stripe account: paid less the fee.'),
        paidAt: z.iso.datetime().optional(),
      })
      .optional()
      .describe('The paid invoice’s transfer to your Stripe account.'),
    excludedSessions: z
      .array(
        z.strictObject({
          chargerId: z.string(),
          transactionId: z.number().int(),
          reason: z.enum(['other-currency', 'unpriceable']),
        }),
      )
      .describe(
        'Sessions of the fleet this statement left off: charged in another currency than yours, or their meter data could not be priced. Each is left off once; the session itself is unchanged.',
      ),
  })
  .meta({ id: 'FleetStatement' });

function statementOut(r: StoredStatement): z.infer<typeof StatementShape> {
  const s = r.statement;
  return {
    fleetId: r.fleetId,
    month: r.month,
    timeZone: s.timeZone,
    currency: s.currency,
    sessionCount: s.sessionCount,
    lateSessionCount: s.lateCount,
    energyMilliWh: s.energyMilliWh,
    ...s.totals,
    createdAt: r.createdAt,
    ...(r.emailedTo ? { emailedTo: r.emailedTo } : {}),
    ...(r.emailedAt ? { emailedAt: r.emailedAt } : {}),
    ...(r.invoice
      ? {
          invoice: {
            status: r.invoice.status,
            ...(r.invoice.number ? { number: r.invoice.number } : {}),
            ...(r.invoice.amountDueMinor !== undefined ? { amountDueMinor: r.invoice.amountDueMinor } : {}),
            ...(r.invoice.sentAt ? { sentAt: r.invoice.sentAt } : {}),
            ...(r.invoice.paidAt ? { paidAt: r.invoice.paidAt } : {}),
          },
        }
      : {}),
    ...(r.transfer
      ? {
          transfer: {
            status: r.transfer.status,
            platformFee: { amountMinor: r.transfer.feeMinor, currency: s.currency },
            amount: { amountMinor: r.transfer.netMinor, currency: s.currency },
            ...(r.transfer.paidAt ? { paidAt: r.transfer.paidAt } : {}),
          },
        }
      : {}),
    excludedSessions: s.excluded.flatMap((x) =>
      x.reason === 'outside-month'
        ? []
        : [{ chargerId: x.chargerId, transactionId: x.transactionId, reason: x.reason }],
    ),
  };
}

/** The caller's fleet, or 404 (another operator's reads as missing). */
async function ownFleet(deps: FleetsDeps, operatorId: string, fleetId: string) {
  const fleet = await deps.fleets.fleet(operatorId, fleetId);
  if (!fleet) throw notFound(`fleet ${fleetId} not found`);
  return fleet;
}

/** The fleet, its operator and its statement of `month`, or 404. */
async function ownStatement(deps: FleetsDeps, operatorId: string, fleetId: string, month: string) {
  const fleet = await ownFleet(deps, operatorId, fleetId);
  const [operator, record] = await Promise.all([
    deps.operators.operator(operatorId),
    deps.fleets.get(operatorId, fleetId, month),
  ]);
  if (!operator || !record) throw notFound(`no statement of fleet ${fleetId} for ${month}`);
  return { fleet, operator, record };
}

function documentOperation(format: 'csv' | 'pdf', getDeps: () => FleetOperationsDeps): Operation {
  const contentType = format === 'csv' ? 'text/csv' : 'application/pdf';
  return defineOperation({
    operationId: format === 'csv' ? 'getFleetStatementCsv' : 'getFleetStatementPdf',
    method: 'GET',
    path: `/api/v1/fleets/{fleetId}/statements/{month}/statement.${format}`,
    summary: `A fleet's monthly statement as ${format.toUpperCase()}: every session with its components and tax`,
    tag: 'Fleets',
    params: MonthPath,
    responses: { 200: { description: `The statement (${format.toUpperCase()}).`, contentType } },
    errors: MISSING,
    tenancy: 'not-found',
    handler: async ({ operatorId, params: { fleetId, month } }) => {
      const deps = fleetsOf(getDeps());
      const { fleet, operator, record } = await ownStatement(deps, operatorId, fleetId, month);
      const docs = await statementDocuments(deps, operator, fleet, record);
      const headers = {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : contentType,
        'content-disposition': `attachment; filename="${docs.fileName}.${format}"`,
        'cache-control': 'no-store',
      };
      return format === 'csv'
        ? { statusCode: 200, headers, body: docs.csv }
        : { statusCode: 200, headers, body: docs.pdf.toString('base64'), isBase64Encoded: true };
    },
  });
}

export function fleetStatementOperations(getDeps: () => FleetOperationsDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'listFleetStatements',
      method: 'GET',
      path: '/api/v1/fleets/{fleetId}/statements',
      summary: "A fleet's monthly statements, oldest month first",
      tag: 'Fleets',
      params: FleetPath,
      query: PageQuery,
      responses: { 200: { description: 'One page of statements.', schema: pageOf(StatementShape) } },
      errors: { ...LIST_ERRORS, 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { fleetId }, query }) => {
        const deps = fleetsOf(getDeps());
        await ownFleet(deps, operatorId, fleetId);
        const page = await deps.fleets.list(operatorId, fleetId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        return json({ items: page.items.map(statementOut), nextCursor: page.next ?? null });
      },
    }),
    documentOperation('csv', getDeps),
    documentOperation('pdf', getDeps),
    defineOperation({
      operationId: 'sendFleetStatement',
      method: 'POST',
      path: '/api/v1/fleets/{fleetId}/statements/{month}/send',
      summary: 'Emails a monthly statement again (PDF and CSV), to the billing contact or another address',
      tag: 'Fleets',
      params: MonthPath,
      body: z.strictObject({
        to: z
          .email()
          .max(254)
          .optional()
          .describe("Default: the fleet's billing contact, else the operator."),
      }),
      bodyOptional: true,
      responses: {
        202: {
          description: 'The email was handed to the mail service.',
          schema: z.strictObject({ sentTo: z.string() }),
        },
      },
      errors: { 400: ['invalid_parameter', 'invalid_body', 'body_not_json'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { fleetId, month }, body }) => {
        const deps = fleetsOf(getDeps());
        const { fleet, operator, record } = await ownStatement(deps, operatorId, fleetId, month);
        const to = body.to ?? statementRecipient(operator, fleet);
        await mailStatement(deps, operator, fleet, record, to);
        return json({ sentTo: to }, 202);
      },
    }),
  ];
}
