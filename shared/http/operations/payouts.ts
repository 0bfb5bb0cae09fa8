/**
 * The operator API's payouts (`/api/v1/payouts`): what Stripe paid to the operator's bank, newest
 * first, each with its simple invoice's figures or the bank's reason for returning it, and the
 * detailed invoice (every session, PDF and HTML) emailed to the operator on request. Payouts are
 * stored by the Connect webhook (shared/app/payouts/payout-events.ts); nothing here calls Stripe.
 *
 * The detailed invoice goes to the operator's contact address only, never to an address the caller
 * names: an API key must not be a way to mail an operator's takings elsewhere.
 */
import * as z from 'zod';
import type { PayoutsDeps } from '../../app/payouts/deps.js';
import {
  DETAILED_INVOICE_REQUESTS,
  requestDetailedInvoice,
} from '../../app/payouts/send-detailed-invoice.js';
import { conflict, found, notFound } from '../../lambda/http-errors.js';
import type { PayoutRecord } from '../../ports/payouts.js';
import type { RateLimits } from '../../ports/rate-limits.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery, pageOf } from '../openapi/registry.js';
import { json, tooManyRequests } from '../responses.js';

export interface PayoutOperationsDeps {
  /** Absent when this deployment takes no card payments: there are no payouts then. */
  payouts?: PayoutsDeps | undefined;
  /** Counts the detailed invoices asked for (DETAILED_INVOICE_REQUESTS). */
  rateLimits: RateLimits;
}

const TAG = 'Payouts';
const instant = z.iso.datetime({ offset: true });
const minor = (what: string) => z.number().int().describe(`${what}, in minor units of the payout currency.`);

export const PayoutInvoiceShape = z
  .strictObject({
    number: z.string().describe('Gapless per operator: `INV-000001`, `INV-000002`, …'),
    issuedAt: instant,
    grossTakingsMinor: minor('What drivers paid for the sessions in the payout'),
    feesMinor: minor('Platform fees kept from them'),
    refundsMinor: minor('Given back to drivers from the operator’s share'),
    otherMinor: minor('Adjustments that are not a session or a refund'),
    sessionCount: z.number().int().min(0),
    emailedAt: instant.optional().describe('When the simple invoice was emailed to the operator.'),
  })
  .meta({ id: 'PayoutInvoice' });

export const PayoutShape = z
  .strictObject({
    payoutId: z.string().describe('Stripe’s payout (`po_…`).'),
    status: z.enum(['pending', 'in_transit', 'paid', 'failed', 'canceled']),
    amountMinor: minor('Paid to the bank: gross − fees − refunds + other'),
    currency: z.string().describe('ISO 4217, upper case.'),
    createdAt: instant,
    arrivalDate: instant.describe('When it reaches (reached) the bank.'),
    failure: z
      .strictObject({
        code: z.string().describe('Stripe’s `failure_code`, e.g. `account_closed`.'),
        message: z.string().describe('Stripe’s explanation, for people.'),
        at: instant,
      })
      .optional()
      .describe('Present when the bank returned the payout.'),
    invoice: PayoutInvoiceShape.nullable().describe('Null until the payout is paid and invoiced.'),
  })
  .meta({ id: 'Payout' });

export const DetailedInvoiceSentShape = z
  .strictObject({
    sent: z.literal(true),
    to: z.string().describe('The operator’s contact address.'),
    invoiceNumber: z.string(),
  })
  .meta({ id: 'DetailedInvoiceSent' });

const isoOfSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();

export function payoutOut(record: PayoutRecord): z.infer<typeof PayoutShape> {
  const invoice = record.invoice;
  return {
    payoutId: record.payoutId,
    status: record.status,
    amountMinor: record.amountMinor,
    currency: record.currency.toUpperCase(),
    createdAt: isoOfSeconds(record.createdAt),
    arrivalDate: isoOfSeconds(record.arrivalDate),
    ...(record.failure ? { failure: { ...record.failure } } : {}),
    invoice: invoice
      ? {
          number: invoice.number,
          issuedAt: invoice.issuedAt,
          grossTakingsMinor: invoice.totals.grossTakingsMinor,
          feesMinor: invoice.totals.feesMinor,
          refundsMinor: invoice.totals.refundsMinor,
          otherMinor: invoice.totals.otherMinor,
          sessionCount: invoice.totals.sessionCount,
          ...(invoice.emailedAt ? { emailedAt: invoice.emailedAt } : {}),
        }
      : null,
  };
}

const PayoutPath = z.strictObject({ payoutId: z.string().min(1).max(255) });

export function payoutOperations(getDeps: () => PayoutOperationsDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'listPayouts',
      method: 'GET',
      path: '/api/v1/payouts',
      summary: "The operator's payouts, newest first, with each one's invoice or failure",
      tag: TAG,
      query: PageQuery,
      responses: { 200: { description: 'One page of payouts.', schema: pageOf(PayoutShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const deps = getDeps().payouts;
        if (!deps) return json({ items: [], nextCursor: null });
        const page = await deps.payouts.list(operatorId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        return json({ items: page.items.map(payoutOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'getPayout',
      method: 'GET',
      path: '/api/v1/payouts/{payoutId}',
      summary: 'One payout with its invoice or failure',
      tag: TAG,
      params: PayoutPath,
      responses: {
        200: { description: 'The payout.', schema: z.strictObject({ payout: PayoutShape }) },
      },
      errors: { 400: ['invalid_parameter'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { payoutId } }) => {
        const record = found(
          await getDeps().payouts?.payouts.get(operatorId, payoutId),
          `payout ${payoutId}`,
        );
        return json({ payout: payoutOut(record) });
      },
    }),
    defineOperation({
      operationId: 'emailDetailedInvoice',
      method: 'POST',
      path: '/api/v1/payouts/{payoutId}/detailed-invoice',
      summary:
        "Emails the payout's detailed invoice (every session; PDF attached, HTML body) to the operator",
      description:
        `Sent to the operator’s contact address. Each request sends one email, at most ${DETAILED_INVOICE_REQUESTS.limit} per payout in any hour: ` +
        'more is 429 `rate_limited` with `Retry-After` (seconds). 409 `no_invoice_yet` while the payout is not invoiced.',
      tag: TAG,
      params: PayoutPath,
      responses: { 202: { description: 'The email was sent.', schema: DetailedInvoiceSentShape } },
      errors: {
        400: ['invalid_parameter'],
        404: ['not_found'],
        409: ['no_invoice_yet'],
        429: ['rate_limited'],
      },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { payoutId } }) => {
        const { payouts: deps, rateLimits } = getDeps();
        if (!deps) throw notFound(`payout ${payoutId} not found`);
        const operator = found(await deps.operators.operator(operatorId), `payout ${payoutId}`);
        const result = await requestDetailedInvoice({ ...deps, rateLimits }, operator, payoutId);
        switch (result.outcome) {
          case 'not-found':
            throw notFound(`payout ${payoutId} not found`);
          case 'no-invoice-yet':
            throw conflict(`payout ${payoutId} has no invoice yet`, 'no_invoice_yet');
          case 'rate-limited':
            return tooManyRequests(
              'rate_limited',
              `at most ${DETAILED_INVOICE_REQUESTS.limit} detailed invoices of one payout an hour; the next at ${new Date(result.retryAtMs).toISOString()}`,
              result.retryAtMs,
              result.nowMs,
            );
          case 'sent':
            return json({ sent: true, to: operator.contactEmail, invoiceNumber: result.invoiceNumber }, 202);
        }
      },
    }),
  ];
}
