/**
 * Emails an operator the detailed invoice of one payout: the HTML as the body, the PDF attached.
 * On request (console or API) and, for operators with `sendDetailedInvoices` on, after every payout's
 * simple invoice. Sending again on request is allowed: each request is one email.
 */
import type { Operator } from '../../domain/entities.js';
import type { PayoutsDeps } from './deps.js';
import { buildDetailedInvoice, type DetailedInvoiceDeps } from './detailed-invoice.js';

export type SendDetailedOutcome = 'sent' | 'not-found' | 'no-invoice-yet';

export async function sendDetailedInvoice(
  deps: Pick<PayoutsDeps, 'payouts' | 'mailer' | 'operators'> & DetailedInvoiceDeps,
  operatorId: string,
  payoutId: string,
  options: { operator?: Operator; to?: string } = {},
): Promise<{ outcome: SendDetailedOutcome; messageId?: string; invoiceNumber?: string }> {
  const operator = options.operator ?? (await deps.operators.operator(operatorId));
  const record = await deps.payouts.get(operatorId, payoutId);
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
