/**
 * One layout for every receipt, written twice from the same blocks: email-safe HTML and plain text.
 * Each receipt model becomes a list of blocks (amount, button, rows, items...); the HTML and the text
 * renderers walk the same list, so the text part says exactly what the HTML says.
 *
 * Email-safe HTML: nested tables for layout, inline styles only (many clients drop <style> and all
 * external CSS), no scripts, no web fonts, a 600 px column that shrinks to a phone's width, and
 * nothing that needs an image to be understood (the operator's name stands beside the logo, so the
 * logo's alt text is empty rather than saying the name twice when images are blocked). Every value goes through the escaping `html` template; URLs and colours are checked
 * when the model is built.
 */
import { html, type Raw, raw } from '../html.js';
import type {
  Brand,
  CancellationReceipt,
  PreAuthReceipt,
  Receipt,
  RefundReceipt,
  TransactionReceipt,
} from './model.js';

/** What the mailer needs from a rendered receipt. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Row {
  label: string;
  value: string;
  strong?: boolean;
}

interface Item {
  title: string;
  amount: string;
  details: string[];
}

type Block =
  | { kind: 'paragraph'; text: string; muted?: boolean }
  | { kind: 'amount'; label: string; value: string; note: string }
  | { kind: 'button'; label: string; url: string; note: string }
  | { kind: 'rows'; title: string; rows: Row[] }
  | { kind: 'items'; title: string; items: Item[] }
  | { kind: 'list'; title: string; items: string[] };

interface EmailDocument {
  subject: string;
  preheader: string;
  brand: Brand;
  title: string;
  blocks: Block[];
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#111827';
const MUTED = '#4b5563';
const RULE = '#e5e7eb';

function placeRows(r: Receipt): Row[] {
  return [
    { label: 'Site', value: r.siteName },
    ...(r.siteAddress ? [{ label: 'Address', value: r.siteAddress }] : []),
    { label: 'Charger', value: r.chargerId },
    { label: 'Connector', value: String(r.connectorId) },
  ];
}

function preAuthDocument(r: PreAuthReceipt): EmailDocument {
  return {
    subject: r.subject,
    preheader: r.preheader,
    brand: r.brand,
    title: 'Your charging session is ready',
    blocks: [
      {
        kind: 'paragraph',
        text: `Thank you. We have placed a hold of ${r.held} on your card for charging at ${r.siteName}.`,
      },
      {
        kind: 'amount',
        label: 'Amount held',
        value: r.held,
        note: `We hold ${r.held}; you pay only for what you use, and the rest is released when the session ends. A hold is not a payment.`,
      },
      {
        kind: 'button',
        label: 'Follow and stop your session',
        url: r.transactionUrl,
        note: 'This link works from any device, with no sign-in: open it on your phone or computer to watch charging live, see the running cost and stop. Keep it to yourself: anyone with the link can stop the session.',
      },
      {
        kind: 'rows',
        title: 'Session',
        rows: [
          ...placeRows(r),
          { label: 'Held at', value: r.heldAt },
          ...(r.paymentIntentId ? [{ label: 'Payment reference', value: r.paymentIntentId }] : []),
        ],
      },
      ...(r.tariffLines.length > 0 ? [{ kind: 'list' as const, title: 'Prices', items: r.tariffLines }] : []),
      {
        kind: 'paragraph',
        muted: true,
        text: 'If charging does not start, the hold is cancelled and released in full, and we email you to confirm.',
      },
    ],
  };
}

function cancellationDocument(r: CancellationReceipt): EmailDocument {
  return {
    subject: r.subject,
    preheader: r.preheader,
    brand: r.brand,
    title: 'Charging cancelled',
    blocks: [
      { kind: 'paragraph', text: r.reasonText },
      {
        kind: 'amount',
        label: 'Hold released',
        value: r.held,
        note: `The hold of ${r.held} on your card is released in full; nothing was charged. Your bank may take a few days to remove it from your statement.`,
      },
      {
        kind: 'rows',
        title: 'Session',
        rows: [
          ...placeRows(r),
          { label: 'Cancelled at', value: r.cancelledAt },
          ...(r.paymentIntentId ? [{ label: 'Payment reference', value: r.paymentIntentId }] : []),
        ],
      },
    ],
  };
}

function transactionDocument(r: TransactionReceipt): EmailDocument {
  const items: Item[] = r.lines.map((line) => ({
    title: line.description,
    amount: line.gross,
    details: [
      ...(line.quantity && line.unitPrice ? [`${line.quantity} × ${line.unitPrice}`] : []),
      `Net ${line.net} · ${r.taxLabel} ${line.taxRate} ${line.tax} · Gross ${line.gross}`,
      ...(line.note ? [line.note] : []),
    ],
  }));
  const taxRows: Row[] = r.taxes.map((t) => ({ label: `${r.taxLabel} ${t.rate} on ${t.net}`, value: t.tax }));
  return {
    subject: r.subject,
    preheader: r.preheader,
    brand: r.brand,
    title: 'Your charging receipt',
    blocks: [
      {
        kind: 'amount',
        label: 'Charged to your card',
        value: r.captured,
        note:
          r.amounts.refundMinor === 0
            ? `We held ${r.preAuth}; all of it was used for this session.`
            : r.amounts.capturedMinor === 0
              ? `Nothing was charged; the hold of ${r.preAuth} is released in full.`
              : `We held ${r.preAuth}; ${r.refund} of it is released back to your card.`,
      },
      {
        kind: 'rows',
        title: 'Session',
        rows: [
          ...placeRows(r),
          { label: 'Started', value: r.startedAt },
          { label: 'Ended', value: r.endedAt },
          { label: 'Duration', value: r.duration },
          { label: 'Energy delivered', value: r.energy },
        ],
      },
      { kind: 'items', title: 'Charges', items },
      {
        kind: 'rows',
        title: 'Totals',
        rows: [
          { label: 'Net', value: r.totals.net },
          ...taxRows,
          { label: `Total ${r.taxLabel}`, value: r.totals.tax },
          { label: 'Total charge', value: r.totals.gross, strong: true },
        ],
      },
      {
        kind: 'rows',
        title: 'Payment',
        rows: [
          { label: 'Payment reference', value: r.paymentIntentId },
          { label: 'Pre-authorised (held)', value: r.preAuth },
          { label: 'Charged', value: r.captured, strong: true },
          { label: 'Refund (released to your card)', value: r.refund },
          ...(r.shortfall ? [{ label: 'Above the hold, not charged', value: r.shortfall }] : []),
        ],
      },
      ...(r.shortfall
        ? [
            {
              kind: 'paragraph' as const,
              text: `The session cost ${r.shortfall} more than the amount held; only the amount held was taken from your card.`,
            },
          ]
        : []),
      ...(r.transactionUrl
        ? [
            {
              kind: 'button' as const,
              label: 'View the session',
              url: r.transactionUrl,
              note: 'The session page works from any device and shows every reading.',
            },
          ]
        : []),
      {
        kind: 'paragraph',
        muted: true,
        text: 'Refund = amount held − amount charged. The card hold is released by the payment provider; your bank may take a few days to show it.',
      },
    ],
  };
}

function refundDocument(r: RefundReceipt): EmailDocument {
  return {
    subject: r.subject,
    preheader: r.preheader,
    brand: r.brand,
    title: 'Your refund',
    blocks: [
      { kind: 'paragraph', text: `${r.brand.name} has refunded ${r.refunded} of your charging session.` },
      {
        kind: 'amount',
        label: 'Refunded',
        value: r.refunded,
        note: `${r.stillCharged} stays charged to your card for this session. Your bank may take 5 to 10 days to show the refund.`,
      },
      {
        kind: 'rows',
        title: 'Refund',
        rows: [
          { label: 'Charged at the end of the session', value: r.captured },
          { label: 'Refunded in all', value: r.refundedTotal },
          { label: 'Still charged', value: r.stillCharged, strong: true },
          { label: 'Refunded at', value: r.refundedAt },
          { label: 'Refund reference', value: r.refundId },
          { label: 'Payment reference', value: r.paymentIntentId },
        ],
      },
      { kind: 'rows', title: 'Session', rows: placeRows(r) },
    ],
  };
}

function documentOf(receipt: Receipt): EmailDocument {
  switch (receipt.kind) {
    case 'pre-auth':
      return preAuthDocument(receipt);
    case 'cancellation':
      return cancellationDocument(receipt);
    case 'transaction':
      return transactionDocument(receipt);
    case 'refund':
      return refundDocument(receipt);
  }
}

function supportLines(brand: Brand): string[] {
  const contacts = [brand.supportEmail, brand.supportPhone].filter((c): c is string => c !== null);
  return [
    contacts.length > 0
      ? `Questions about this session? Contact ${brand.name}: ${contacts.join(' · ')}.`
      : `Questions about this session? Contact ${brand.name}.`,
    'Keep this email as your record of the session.',
  ];
}

// ---- HTML ----

const cell = (content: Raw, padding = '8px 24px') =>
  html`<tr><td style="padding:${padding};font-family:${FONT};color:${INK};">${content}</td></tr>`;

const sectionTitle = (title: string) =>
  html`<h2 style="margin:16px 0 8px;font-size:13px;line-height:18px;letter-spacing:0.06em;text-transform:uppercase;color:${MUTED};font-weight:700;">${title}</h2>`;

function blockHtml(block: Block, brand: Brand): Raw {
  switch (block.kind) {
    case 'paragraph':
      return cell(
        html`<p style="margin:0;font-size:${block.muted ? '13px' : '16px'};line-height:${block.muted ? '20px' : '24px'};color:${block.muted ? MUTED : INK};">${block.text}</p>`,
      );
    case 'amount':
      return cell(
        html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f9fafb;border:1px solid ${RULE};border-radius:10px;"><tr><td style="padding:16px 18px;font-family:${FONT};">
<div style="font-size:13px;line-height:18px;color:${MUTED};text-transform:uppercase;letter-spacing:0.06em;font-weight:700;">${block.label}</div>
<div style="font-size:32px;line-height:40px;font-weight:700;color:${INK};margin:4px 0 6px;">${block.value}</div>
<div style="font-size:15px;line-height:22px;color:${INK};">${block.note}</div>
</td></tr></table>`,
      );
    case 'button':
      return cell(
        html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" bgcolor="${brand.colour}" style="border-radius:8px;background:${brand.colour};">
<a href="${block.url}" style="display:block;padding:14px 20px;font-family:${FONT};font-size:17px;line-height:24px;font-weight:700;color:${brand.onColour};text-decoration:none;border-radius:8px;">${block.label}</a>
</td></tr></table>
<p style="margin:10px 0 0;font-size:14px;line-height:21px;color:${MUTED};">${block.note}</p>
<p style="margin:6px 0 0;font-size:13px;line-height:19px;word-break:break-all;"><a href="${block.url}" style="color:${brand.linkColour};">${block.url}</a></p>`,
      );
    case 'rows':
      return cell(
        html`${sectionTitle(block.title)}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:15px;line-height:22px;">${block.rows.map(
          (row) =>
            html`<tr><td style="padding:6px 12px 6px 0;vertical-align:top;color:${row.strong ? INK : MUTED};border-top:1px solid ${RULE};${row.strong ? 'font-weight:700;' : ''}">${row.label}</td><td align="right" style="padding:6px 0;vertical-align:top;text-align:right;border-top:1px solid ${RULE};word-break:break-word;overflow-wrap:anywhere;${row.strong ? 'font-weight:700;' : ''}">${row.value}</td></tr>`,
        )}</table>`,
      );
    case 'items':
      return cell(
        html`${sectionTitle(block.title)}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${block.items.map(
          (item) =>
            html`<tr><td style="padding:10px 12px 2px 0;border-top:1px solid ${RULE};font-size:15px;line-height:22px;font-weight:700;vertical-align:top;">${item.title}</td><td align="right" style="padding:10px 0 2px;border-top:1px solid ${RULE};font-size:15px;line-height:22px;font-weight:700;text-align:right;vertical-align:top;white-space:nowrap;">${item.amount}</td></tr>
<tr><td colspan="2" style="padding:0 0 10px;font-size:13px;line-height:19px;color:${MUTED};">${item.details.map(
              (d, i) => html`${i > 0 ? raw('<br>') : ''}${d}`,
            )}</td></tr>`,
        )}</table>`,
      );
    case 'list':
      return cell(
        html`${sectionTitle(block.title)}<ul style="margin:0;padding:0 0 0 20px;font-size:15px;line-height:22px;">${block.items.map(
          (item) => html`<li style="margin:0 0 4px;">${item}</li>`,
        )}</ul>`,
      );
  }
}

function headerHtml(brand: Brand): Raw {
  const logo = brand.logoUrl
    ? html`<td style="padding-right:12px;vertical-align:middle;"><img src="${brand.logoUrl}" alt="" height="40" style="display:block;height:40px;width:auto;max-width:160px;border:0;outline:none;"></td>`
    : raw('');
  return html`<tr><td bgcolor="${brand.colour}" style="background:${brand.colour};padding:18px 24px;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${logo}<td style="vertical-align:middle;font-family:${FONT};font-size:20px;line-height:26px;font-weight:700;color:${brand.onColour};">${brand.name}</td></tr></table></td></tr>`;
}

function footerHtml(brand: Brand): Raw {
  const contacts = [
    brand.supportEmail
      ? html`<a href="mailto:${encodeURI(brand.supportEmail)}" style="color:${brand.linkColour};">${brand.supportEmail}</a>`
      : null,
    brand.supportPhone
      ? html`<a href="tel:${brand.supportPhone.replace(/[^+\d]/g, '')}" style="color:${brand.linkColour};">${brand.supportPhone}</a>`
      : null,
  ].filter((c): c is Raw => c !== null);
  const joined = contacts.map((c, i) => html`${i > 0 ? ' · ' : ''}${c}`);
  return html`<tr><td style="padding:20px 24px 24px;background:#f9fafb;border-top:1px solid ${RULE};font-family:${FONT};font-size:13px;line-height:20px;color:${MUTED};">
<p style="margin:0 0 6px;">Questions about this session? Contact ${brand.name}${contacts.length > 0 ? html`: ${joined}` : ''}.</p>
<p style="margin:0;">Keep this email as your record of the session.</p>
</td></tr>`;
}

function renderHtml(doc: EmailDocument): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light"><title>${doc.subject}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;-webkit-text-size-adjust:100%;">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">${doc.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;border-radius:12px;overflow:hidden;border:1px solid ${RULE};">
${headerHtml(doc.brand)}
${cell(html`<h1 style="margin:0;font-size:24px;line-height:32px;font-weight:700;color:${INK};">${doc.title}</h1>`, '24px 24px 8px')}
${doc.blocks.map((b) => blockHtml(b, doc.brand))}
<tr><td style="height:16px;line-height:16px;font-size:0;">&nbsp;</td></tr>
${footerHtml(doc.brand)}
</table>
</td></tr></table>
</body></html>
`.value;
}

// ---- text ----

const underline = (title: string, char: string) => `${title}\n${char.repeat(title.length)}`;

function blockText(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'amount':
      return `${block.label}: ${block.value}\n${block.note}`;
    case 'button':
      return `${block.label}:\n${block.url}\n${block.note}`;
    case 'rows':
      return [underline(block.title, '-'), ...block.rows.map((r) => `${r.label}: ${r.value}`)].join('\n');
    case 'items':
      return [
        underline(block.title, '-'),
        ...block.items.map((i) => [`${i.title}: ${i.amount}`, ...i.details.map((d) => `  ${d}`)].join('\n')),
      ].join('\n');
    case 'list':
      return [underline(block.title, '-'), ...block.items.map((i) => `- ${i}`)].join('\n');
  }
}

function renderText(doc: EmailDocument): string {
  return `${[
    doc.brand.name,
    underline(doc.title, '='),
    ...doc.blocks.map(blockText),
    '--',
    ...supportLines(doc.brand),
  ].join('\n\n')}\n`;
}

/** Subject, HTML and text of a receipt (pure, synchronous). */
export function renderReceipt(receipt: Receipt): RenderedEmail {
  const doc = documentOf(receipt);
  return { subject: doc.subject, html: renderHtml(doc), text: renderText(doc) };
}
