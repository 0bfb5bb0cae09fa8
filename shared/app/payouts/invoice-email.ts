/**
 * The simple payout invoice as an email (subject, HTML, text), laid out like the driver receipts
 * (shared/web/receipts): inline styles only, as mail clients strip style sheets; every amount from
 * the stored invoice, formatted, never recomputed.
 */
import type { Operator } from '../../domain/entities.js';
import type { PayoutRecord } from '../../ports/payouts.js';
import { formatDateTime, formatMoney } from '../../web/format.js';
import { html } from '../../web/html.js';

const LOCALE = 'en-GB';

export interface InvoiceEmail {
  subject: string;
  html: string;
  text: string;
}

/** The rows of the simple invoice, in the order the operator reads them; shared by HTML and text. */
export function invoiceRows(record: PayoutRecord): [string, string][] {
  const invoice = record.invoice;
  if (!invoice) throw new Error(`payout ${record.payoutId} has no invoice`);
  const money = (minor: number) => formatMoney(minor, record.currency, LOCALE);
  const t = invoice.totals;
  const rows: [string, string][] = [
    ['Sessions', String(t.sessionCount)],
    ['Gross takings', money(t.grossTakingsMinor)],
    ['Platform fees', money(-t.feesMinor)],
    ['Refunds', money(-t.refundsMinor)],
  ];
  if (t.otherMinor !== 0) rows.push(['Other adjustments', money(t.otherMinor)]);
  rows.push(['Paid to your bank', money(t.payoutAmountMinor)]);
  return rows;
}

export function composeInvoiceEmail(operator: Operator, record: PayoutRecord): InvoiceEmail {
  const invoice = record.invoice;
  if (!invoice) throw new Error(`payout ${record.payoutId} has no invoice`);
  const date = formatDateTime(record.arrivalDate, operator.timeZone ?? 'UTC', LOCALE);
  const rows = invoiceRows(record);
  const subject = `Invoice ${invoice.number}: payout of ${formatMoney(record.amountMinor, record.currency, LOCALE)}`;
  const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family:system-ui,sans-serif;color:#222;max-width:560px;margin:0 auto;padding:16px">
<h1 style="font-size:20px">${operator.name}: invoice ${invoice.number}</h1>
<p>Payout <code>${record.payoutId}</code>, paid on ${date}.</p>
<table style="border-collapse:collapse;width:100%">${rows.map(
    ([label, value], i) =>
      html`<tr${i === rows.length - 1 ? html` style="font-weight:bold;border-top:2px solid #222"` : ''}><td style="padding:4px 0">${label}</td><td style="padding:4px 0;text-align:right">${value}</td></tr>`,
  )}</table>
<p style="color:#555;font-size:13px">Each session's fee is the one recorded when its money was transferred to you. Ask for the detailed invoice (every session in this payout) from the console or the API.</p>
</body></html>`;
  const text = [
    `${operator.name}: invoice ${invoice.number}`,
    `Payout ${record.payoutId}, paid on ${date}.`,
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    "Each session's fee is the one recorded when its money was transferred to you.",
  ].join('\n');
  return { subject, html: body.value, text };
}
