/**
 * Emails an operator the detailed invoice of one payout: the HTML as the body, the PDF attached.
 * On request (console or API) and, for operators with `sendDetailedInvoices` on, after every payout's
 * simple invoice. Sending again on request is allowed: each request is one email.
 */
import type { Operator } from '../../domain/entities.js';
import type { PayoutRecord } from '../../ports/payouts.js';
import type { RateLimits } from '../../ports/rate-limits.js';
import type { PayoutsDeps } from './deps.js';
import { buildDetailedInvoice, type DetailedInvoiceDeps } from './detailed-invoice.js';

export type SendDetailedOutcome = 'sent' | 'not-found' | 'no-invoice-yet';

type SendDeps = Pick<PayoutsDeps, 'payouts' | 'mailer' | 'operators'> & DetailedInvoiceDeps;

/**
 * How often an operator may ask for one payout's detailed invoice: each request renders a PDF and
 * sends an email, so a runaway script must not turn the API into a mail cannon.
 */
export const DETAILED_INVOICE_REQUESTS = { limit: 5, windowMs: 3600_000 } as const;

/**
 * An operator's request for the detailed invoice (console or API), within
 * {@link DETAILED_INVOICE_REQUESTS} per payout; a refusal says when the next one is allowed. Only a
 * request that would send counts: one for a missing or not yet invoiced payout does not.
 */
export async function requestDetailedInvoice(
  deps: SendDeps & Pick<PayoutsDeps, 'clock'> & { rateLimits: RateLimits },
  operator: Operator,
  payoutId: string,
): Promise<
  | { outcome: 'sent'; invoiceNumber: string }
  | { outcome: 'not-found' | 'no-invoice-yet' }
  | { outcome: 'rate-limited'; retryAtMs: number; nowMs: number }
> {
  const record = await deps.payouts.get(operator.operatorId, payoutId);
  if (!record) return { outcome: 'not-found' };
  if (!record.invoice) return { outcome: 'no-invoice-yet' };
  const nowMs = deps.clock.now();
  const { limit, windowMs } = DETAILED_INVOICE_REQUESTS;
  const taken = await deps.rateLimits.take(
    { operatorId: operator.operatorId, action: 'detailed-invoice', resourceId: payoutId },
    limit,
    windowMs,
    nowMs,
  );
  if (!taken.taken) return { outcome: 'rate-limited', retryAtMs: taken.retryAtMs, nowMs };
  await sendDetailedInvoice(deps, operator.operatorId, payoutId, { operator, record });
  return { outcome: 'sent', invoiceNumber: record.invoice.number };
}

export async function sendDetailedInvoice(
  deps: SendDeps,
  operatorId: string,
  payoutId: string,
  options: { operator?: Operator; to?: string; record?: PayoutRecord } = {},
): Promise<{ outcome: SendDetailedOutcome; messageId?: string; invoiceNumber?: string }> {
  const operator = options.operator ?? (await deps.operators.operator(operatorId));
  const record = options.record ?? (await deps.payouts.get(operatorId, payoutId));
  if (!operator || !record) return { outcome: 'not-found' };
  if (!record.invoice) return { outcome: 'no-invoice-yet' };
  const detailed = await buildDetailedInvoice(deps, operator, record);
  // Loaded on first use: pdfkit and its font metrics would otherwise be compiled at every cold start
  // of the functions that may send one (the Connect webhook, the operator API).
  const { detailedInvoiceHtml, detailedInvoicePdf } = await import('./render-detailed-invoice.js');
  const html = detailedInvoiceHtml(detailed);
  const pdf = await detailedInvoicePdf(detailed);
  const number = record.invoice.number;
  const sent = await deps.mailer.send({
    to: options.to ?? operator.contactEmail,
    subject: `Detailed invoice ${number}: ${detailed.sessions.length} sessions in payout ${record.payoutId}`,
    html,
    text: `The detailed invoice ${number} of payout ${record.payoutId} is attached as a PDF; the same figures are in this email's HTML version.`,
    attachments: [{ filename: `${number}.pdf`, contentType: 'application/pdf', content: pdf }],
    tags: { invoice: 'detailed' },
  });
  return { outcome: 'sent', messageId: sent.messageId, invoiceNumber: number };
}
