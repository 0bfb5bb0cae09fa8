/**
 * The detailed invoice laid out twice from one set of rows: HTML (the email body, inline styles as
 * mail clients want) and PDF (pdfkit, standard Helvetica, A4). Amounts are formatted from the stored
 * integers; nothing here adds money up except the totals already stored on the invoice.
 */
import { fleetInvoiceOfLine } from '../../domain/invoice.js';
import type { ChargeComponent } from '../../domain/pricing.js';
import { formatDateTime, formatKwh, formatMoney, formatTaxRate } from '../../web/format.js';
import { html } from '../../web/html.js';
import { housePdf } from '../../web/pdf.js';
import type { DetailedInvoice, DetailedSession } from './detailed-invoice.js';
import { invoiceRows } from './invoice-email.js';

const LOCALE = 'en-GB';

const COMPONENT_NAMES: Record<ChargeComponent, string> = {
  ENERGY: 'Energy',
  TIME: 'Time',
  PARKING: 'Parking',
  FLAT: 'Session fee',
  MINIMUM: 'Minimum charge',
};

interface SessionView {
  title: string;
  components: { name: string; rate: string; net: string; tax: string; gross: string }[];
  figures: [string, string][];
}

function sessionView(d: DetailedInvoice, s: DetailedSession): SessionView {
  const money = (minor: number) => formatMoney(minor, d.record.currency, LOCALE);
  const when = formatDateTime(s.startedAt, d.operator.timeZone, LOCALE);
  const energy = s.energyMilliWh === undefined ? '' : `, ${formatKwh(s.energyMilliWh, LOCALE)}`;
  const fleetInvoice = fleetInvoiceOfLine(s.sessionId);
  const figures: [string, string][] = [];
  if (s.chargeTotals && s.chargeTotals.grossMinor !== s.grossMinor) {
    figures.push(['Charge (before the hold cap)', money(s.chargeTotals.grossMinor)]);
  }
  figures.push(
    ['Gross paid', money(s.grossMinor)],
    ['Platform fee', money(-s.feeMinor)],
    ['Net to you', money(s.netMinor)],
  );
  return {
    title: fleetInvoice
      ? `${when} · a fleet's monthly invoice, paid (Stripe invoice ${fleetInvoice})`
      : `${when} · charger ${s.chargerId ?? 'unknown'}${energy} · session ${s.sessionId}`,
    components: s.components.map((c) => ({
      name: c.label ? `${COMPONENT_NAMES[c.component]} (${c.label})` : COMPONENT_NAMES[c.component],
      rate: formatTaxRate(c.taxRateBp, LOCALE),
      net: money(c.netMinor),
      tax: money(c.taxMinor),
      gross: money(c.grossMinor),
    })),
    figures,
  };
}

function heading(d: DetailedInvoice): { title: string; subtitle: string } {
  const paid = formatDateTime(d.record.arrivalDate, d.operator.timeZone, LOCALE);
  return {
    title: `${d.operator.name}: detailed invoice ${d.record.invoice.number}`,
    subtitle: `Payout ${d.record.payoutId}, paid on ${paid}${d.record.status === 'failed' ? ' (returned by the bank)' : ''}`,
  };
}

export function detailedInvoiceHtml(d: DetailedInvoice): string {
  const { title, subtitle } = heading(d);
  const money = (minor: number) => formatMoney(minor, d.record.currency, LOCALE);
  const cell = 'padding:2px 6px;border-bottom:1px solid #ddd';
  const sessions = d.sessions.map((s) => {
    const v = sessionView(d, s);
    return html`<h3 style="font-size:15px;margin:16px 0 4px">${v.title}</h3>
<table style="border-collapse:collapse;width:100%;font-size:13px"><tr><th style="text-align:left">Component</th><th>Tax rate</th><th style="text-align:right">Net</th><th style="text-align:right">Tax</th><th style="text-align:right">Gross</th></tr>${v.components.map(
      (c) =>
        html`<tr><td style="${cell}">${c.name}</td><td style="${cell};text-align:center">${c.rate}</td><td style="${cell};text-align:right">${c.net}</td><td style="${cell};text-align:right">${c.tax}</td><td style="${cell};text-align:right">${c.gross}</td></tr>`,
    )}${v.figures.map(
      ([label, value]) =>
        html`<tr><td colspan="4" style="padding:2px 6px">${label}</td><td style="padding:2px 6px;text-align:right">${value}</td></tr>`,
    )}</table>`;
  });
  const refunds = d.refunds.map(
    (r) =>
      html`<tr><td style="${cell}">${formatDateTime(r.at, d.operator.timeZone, LOCALE)} · session ${r.sessionId}</td><td style="${cell};text-align:right">${money(-r.amountMinor)}</td></tr>`,
  );
  const other = d.other.map(
    (o) =>
      html`<tr><td style="${cell}">${formatDateTime(o.at, d.operator.timeZone, LOCALE)} · ${o.description}</td><td style="${cell};text-align:right">${money(o.amountMinor)}</td></tr>`,
  );
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;color:#222;max-width:720px;margin:0 auto;padding:16px">
<h1 style="font-size:20px">${title}</h1><p>${subtitle}</p>
<h2 style="font-size:17px">Summary</h2>
<table style="border-collapse:collapse;width:100%">${invoiceRows(d.record).map(
    ([label, value]) =>
      html`<tr><td style="${cell}">${label}</td><td style="${cell};text-align:right">${value}</td></tr>`,
  )}</table>
<h2 style="font-size:17px">Sessions</h2>${sessions}
${refunds.length ? html`<h2 style="font-size:17px">Refunds</h2><table style="border-collapse:collapse;width:100%">${refunds}</table>` : ''}
${other.length ? html`<h2 style="font-size:17px">Other adjustments</h2><table style="border-collapse:collapse;width:100%">${other}</table>` : ''}
</body></html>`.value;
}

/** The PDF, as bytes. */
export async function detailedInvoicePdf(d: DetailedInvoice): Promise<Buffer> {
  const { title, subtitle } = heading(d);
  const money = (minor: number) => formatMoney(minor, d.record.currency, LOCALE);
  const { doc, row, finish } = await housePdf({ title: title, author: d.operator.name });

  doc.font('Helvetica-Bold').fontSize(16).text(title);
  doc.font('Helvetica').fontSize(10).text(subtitle).moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Summary').fontSize(10);
  const rows = invoiceRows(d.record);
  for (const [i, [label, value]] of rows.entries()) row(label, value, { bold: i === rows.length - 1 });

  doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Sessions').fontSize(10);
  for (const s of d.sessions) {
    const v = sessionView(d, s);
    doc.moveDown(0.5).font('Helvetica-Bold').text(v.title);
    for (const c of v.components) {
      row(`${c.name}, tax ${c.rate}: net ${c.net} + tax ${c.tax}`, c.gross, { indent: 12 });
    }
    for (const [label, value] of v.figures) row(label, value, { indent: 12 });
  }
  if (d.refunds.length > 0) {
    doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Refunds').fontSize(10);
    for (const r of d.refunds) {
      row(
        `${formatDateTime(r.at, d.operator.timeZone, LOCALE)} · session ${r.sessionId}`,
        money(-r.amountMinor),
      );
    }
  }
  if (d.other.length > 0) {
    doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Other adjustments').fontSize(10);
    for (const o of d.other) {
      row(`${formatDateTime(o.at, d.operator.timeZone, LOCALE)} · ${o.description}`, money(o.amountMinor));
    }
  }
  return finish();
}
