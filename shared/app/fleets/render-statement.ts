/**
 * A fleet statement laid out twice from one statement (domain/fleet-statement.ts): CSV for the
 * fleet's accounts (one row per charge component, so a column sum is the total; amounts as exact
 * decimals of the currency) and PDF (pdfkit, the house style of app/payouts/render-detailed-invoice.ts).
 * Nothing here adds money up: every figure is one the statement holds.
 */
import type {
  ExcludedSession,
  FleetStatement,
  StatementComponent,
  StatementLine,
} from '../../domain/fleet-statement.js';
import type { ChargeComponent } from '../../domain/pricing.js';
import {
  formatDateTime,
  formatKwh,
  formatMoney,
  formatTaxRate,
  minorDigits,
  scaledDecimal,
} from '../../web/format.js';
import { housePdf } from '../../web/pdf.js';

const LOCALE = 'en-GB';

const COMPONENT_NAMES: Record<ChargeComponent, string> = {
  ENERGY: 'Energy',
  TIME: 'Time',
  PARKING: 'Parking',
  FLAT: 'Session fee',
  MINIMUM: 'Minimum charge',
};

/** Who the statement is for, as its heading names them. */
export interface StatementParties {
  operatorName: string;
  fleetName: string;
  /** Site names by site id, where known. */
  siteNames?: Readonly<Record<string, string>>;
}

const componentName = (c: StatementComponent): string =>
  c.label ? `${COMPONENT_NAMES[c.component]} (${c.label})` : COMPONENT_NAMES[c.component];

const siteOf = (line: StatementLine, parties: StatementParties): string =>
  line.siteId === undefined ? '' : (parties.siteNames?.[line.siteId] ?? line.siteId);

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * A text field that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`) gets a leading
 * apostrophe: card labels and site names are typed by people, and the file is opened by accountants.
 */
function csvField(value: string | number, text = true): string {
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const CSV_HEADER = [
  'date',
  'started_at',
  'charger',
  'site',
  'card',
  'transaction',
  'energy_kwh',
  'component',
  'tax_rate_percent',
  'net',
  'tax',
  'gross',
  'currency',
  'note',
];

/**
 * What a late line says (domain fleet-statement.ts): the session started in an earlier month and
 * became final after that month's statement, so it is billed here, under its own start date.
 */
export const lateNote = (line: StatementLine): string =>
  line.late ? `late: started ${line.date}, final after the ${line.date.slice(0, 7)} statement` : '';

const LEFT_OFF: Record<ExcludedSession['reason'], string> = {
  'other-currency': 'charged in another currency',
  unpriceable: 'its meter data could not be priced',
  'outside-month': 'started after the month',
};

/** What a session left off the statement says: why nothing of it is billed here. */
export const leftOffNote = (x: ExcludedSession): string => `left off: ${LEFT_OFF[x.reason]}`;

/**
 * The statement as CSV (RFC 4180: CRLF line ends, a header row). One row per component of each
 * session (a session without a charge: one row of zeros), a late session's rows saying so in
 * `note`; a row of zeros per session left off, `note` saying why; then one `Total` row per tax rate and a last `Total` row for the month, with the session
 * columns empty.
 */
export function statementCsv(statement: FleetStatement, parties: StatementParties): string {
  const digits = minorDigits(statement.currency);
  const amount = (minor: number) => scaledDecimal(minor, digits);
  const energy = (milliWh: number) => scaledDecimal(milliWh, 6);
  const rate = (bp: number) => scaledDecimal(bp, 2);
  const rows: string[][] = [CSV_HEADER];
  for (const line of statement.lines) {
    const session = [
      line.date,
      new Date(line.startedAt * 1000).toISOString(),
      csvField(line.chargerId),
      csvField(siteOf(line, parties)),
      csvField(line.idTag),
      String(line.transactionId),
      energy(line.energyMilliWh),
    ];
    if (line.components.length === 0) {
      rows.push([
        ...session,
        'none',
        rate(0),
        amount(0),
        amount(0),
        amount(0),
        statement.currency,
        lateNote(line),
      ]);
    }
    for (const c of line.components) {
      rows.push([
        ...session,
        csvField(componentName(c)),
        rate(c.taxRateBp),
        amount(c.netMinor),
        amount(c.taxMinor),
        amount(c.grossMinor),
        statement.currency,
        lateNote(line),
      ]);
    }
  }
  // A session left off: its charger and transaction, nothing billed, and why.
  for (const x of statement.excluded) {
    rows.push([
      '',
      '',
      csvField(x.chargerId),
      '',
      '',
      String(x.transactionId),
      energy(0),
      'none',
      rate(0),
      amount(0),
      amount(0),
      amount(0),
      statement.currency,
      leftOffNote(x),
    ]);
  }
  const blank = ['', '', '', '', '', '', energy(statement.energyMilliWh)];
  for (const t of statement.taxes) {
    rows.push([
      ...blank,
      csvField(`Total at ${rate(t.taxRateBp)}%`),
      rate(t.taxRateBp),
      amount(t.netMinor),
      amount(t.taxMinor),
      amount(t.grossMinor),
      statement.currency,
      '',
    ]);
  }
  rows.push([
    ...blank,
    'Total',
    '',
    amount(statement.totals.netMinor),
    amount(statement.totals.taxMinor),
    amount(statement.totals.grossMinor),
    statement.currency,
    '',
  ]);
  return `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

/** The title a statement goes by (email subject, PDF title). */
export function statementTitle(statement: FleetStatement, parties: StatementParties): string {
  return `${parties.fleetName}: charging statement for ${statement.month}`;
}

/** The file name stem of a statement's attachments. */
export const statementFileName = (statement: Pick<FleetStatement, 'fleetId' | 'month'>): string =>
  `statement-${statement.fleetId}-${statement.month}`.replace(/[^A-Za-z0-9._-]/g, '_');

/** The PDF, as bytes. */
export async function statementPdf(statement: FleetStatement, parties: StatementParties): Promise<Buffer> {
  const title = statementTitle(statement, parties);
  const money = (minor: number) => formatMoney(minor, statement.currency, LOCALE);
  const { doc, row, finish } = await housePdf({ title: title, author: parties.operatorName });

  doc.font('Helvetica-Bold').fontSize(16).text(title);
  doc
    .font('Helvetica')
    .fontSize(10)
    .text(`From ${parties.operatorName}. Times in ${statement.timeZone}.`)
    .moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Summary').fontSize(10);
  row('Sessions', String(statement.lines.length));
  const late = statement.lines.filter((l) => l.late).length;
  if (late > 0) row('Of them late (started in an earlier month)', String(late));
  row('Energy', formatKwh(statement.energyMilliWh, LOCALE));
  for (const t of statement.taxes) {
    row(
      `At ${formatTaxRate(t.taxRateBp, LOCALE)} tax: net ${money(t.netMinor)} + tax ${money(t.taxMinor)}`,
      money(t.grossMinor),
    );
  }
  row('Net', money(statement.totals.netMinor));
  row('Tax', money(statement.totals.taxMinor));
  row('Total', money(statement.totals.grossMinor), { bold: true });

  doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Sessions').fontSize(10);
  if (statement.lines.length === 0) doc.font('Helvetica').text('No sessions this month.');
  for (const line of statement.lines) {
    const site = siteOf(line, parties);
    const when = formatDateTime(line.startedAt, statement.timeZone, LOCALE);
    doc
      .moveDown(0.5)
      .font('Helvetica-Bold')
      .text(
        `${line.late ? 'Late: ' : ''}${when} · charger ${line.chargerId}${site ? ` at ${site}` : ''} · card ${line.idTag} · ${formatKwh(line.energyMilliWh, LOCALE)}`,
      );
    if (line.late) doc.font('Helvetica').text(lateNote(line), { indent: 12 });
    for (const c of line.components) {
      row(
        `${componentName(c)}, tax ${formatTaxRate(c.taxRateBp, LOCALE)}: net ${money(c.netMinor)} + tax ${money(c.taxMinor)}`,
        money(c.grossMinor),
        { indent: 12 },
      );
    }
    row('Session total', money(line.total.grossMinor), { indent: 12 });
  }
  if (statement.excluded.length > 0) {
    doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Sessions left off').fontSize(10);
    for (const x of statement.excluded) {
      doc.font('Helvetica').text(`Charger ${x.chargerId}, transaction ${x.transactionId}: ${leftOffNote(x)}`);
    }
  }
  return finish();
}
