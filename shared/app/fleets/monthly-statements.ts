/**
 * The monthly fleet statements (issue 12, "Fleets"), run on the 1st (functions/schedules/
 * fleet-statements.ts): for every fleet, the statement of the month before in its operator's time
 * zone, stored, emailed (PDF + CSV) to the fleet's billing contact and, for fleets with payment,
 * invoiced through Stripe for the month's total.
 *
 * A rerun does nothing twice. Each step leaves a mark on the stored statement and is skipped once
 * marked: the statement is created only if absent (then its stored figures are used, never rebuilt),
 * the email goes while `emailedAt` is absent, and the invoice moves draft → item → finalised → sent,
 * reading the draft back before adding to it. Every Stripe call carries an idempotency key of the
 * fleet and month, so a retry within Stripe's 24 h window replays instead of repeating, and the
 * stored marks carry the guarantee past it. The one window left: a crash after the mailer accepted
 * the email and before `emailedAt` is stored sends the statement again on the rerun.
 */

import type { Group, Operator } from '../../domain/entities.js';
import {
  buildFleetStatement,
  monthAt,
  monthBounds,
  previousMonth,
  type StatementMonth,
} from '../../domain/fleet-statement.js';
import { formatKwh } from '../../web/format.js';
import { html } from '../../web/html.js';
import type { FleetInvoicing, FleetsDeps, StoredStatement } from './deps.js';
import {
  type StatementParties,
  statementCsv,
  statementFileName,
  statementPdf,
  statementTitle,
} from './render-statement.js';

export interface MonthlyRunReport {
  fleets: number;
  created: number;
  emailed: number;
  invoiced: number;
  failed: number;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The month a run at `nowMs` states: the one before the operator's current month. */
export function statementMonthAt(timeZone: string, nowMs: number): StatementMonth {
  return previousMonth(monthAt(timeZone, Math.floor(nowMs / 1000)));
}

/** Every fleet's statement of the month before; one fleet's failure does not stop the others. */
export async function runMonthlyStatements(deps: FleetsDeps): Promise<MonthlyRunReport> {
  const report: MonthlyRunReport = { fleets: 0, created: 0, emailed: 0, invoiced: 0, failed: 0 };
  const operators = new Map<string, Promise<Operator | undefined>>();
  for (const fleet of await deps.fleets.allFleets()) {
    report.fleets++;
    try {
      let operator = operators.get(fleet.operatorId);
      if (!operator) {
        operator = deps.operators.operator(fleet.operatorId);
        operators.set(fleet.operatorId, operator);
      }
      const found = await operator;
      if (!found) continue;
      const month = statementMonthAt(found.timeZone ?? 'UTC', deps.clock.now());
      const outcome = await settleFleetMonth(deps, found, fleet, month);
      if (outcome.created) report.created++;
      if (outcome.emailed) report.emailed++;
      if (outcome.invoiced) report.invoiced++;
    } catch (error) {
      report.failed++;
      deps.log.error('fleet statement failed; the next run tries again', {
        operatorId: fleet.operatorId,
        fleetId: fleet.groupId,
        error: String(error),
      });
    }
  }
  return report;
}

/** One fleet's month, each step done once (see the top of this file). */
export async function settleFleetMonth(
  deps: FleetsDeps,
  operator: Operator,
  fleet: Group,
  month: StatementMonth,
): Promise<{ record: StoredStatement; created: boolean; emailed: boolean; invoiced: boolean }> {
  let created = false;
  let record = await deps.fleets.get(operator.operatorId, fleet.groupId, month);
  if (!record) {
    const fresh = await buildRecord(deps, operator, fleet, month);
    created = (await deps.fleets.create(fresh)) === 'created';
    record = created ? fresh : await deps.fleets.get(operator.operatorId, fleet.groupId, month);
    if (!record) throw new Error(`statement ${fleet.groupId} ${month} vanished after it was created`);
  }
  let emailed = false;
  if (record.emailedAt === undefined) {
    const to = statementRecipient(operator, fleet);
    await mailStatement(deps, operator, fleet, record, to);
    const at = new Date(deps.clock.now()).toISOString();
    await deps.fleets.markEmailed(operator.operatorId, fleet.groupId, month, to, at);
    record = { ...record, emailedTo: to, emailedAt: at };
    emailed = true;
  }
  let invoiced = false;
  if (fleet.withPayment && record.statement.totals.grossMinor > 0 && record.invoice?.status !== 'sent') {
    if (deps.invoicing) {
      record = await invoiceMonth(deps, deps.invoicing, fleet, record);
      invoiced = true;
    } else {
      deps.log.warn('fleet with payment, but this deployment takes no payments: not invoiced', {
        operatorId: operator.operatorId,
        fleetId: fleet.groupId,
        month,
      });
    }
  }
  return { record, created, emailed, invoiced };
}

async function buildRecord(
  deps: FleetsDeps,
  operator: Operator,
  fleet: Group,
  month: StatementMonth,
): Promise<StoredStatement> {
  const timeZone = operator.timeZone ?? 'UTC';
  const { fromSeconds, toSeconds } = monthBounds(timeZone, month);
  const sessions = await deps.fleets.finalSessions(
    operator.operatorId,
    fleet.groupId,
    iso(fromSeconds),
    iso(toSeconds),
  );
  const statement = buildFleetStatement({
    operatorId: operator.operatorId,
    fleetId: fleet.groupId,
    month,
    timeZone,
    currency: operator.currency,
    sessions,
  });
  if (statement.excluded.length > 0) {
    deps.log.warn('sessions left off a fleet statement', {
      operatorId: operator.operatorId,
      fleetId: fleet.groupId,
      month,
      excluded: statement.excluded,
    });
  }
  return {
    operatorId: operator.operatorId,
    fleetId: fleet.groupId,
    month,
    createdAt: new Date(deps.clock.now()).toISOString(),
    statement,
  };
}

/** The fleet's billing contact, or the operator's own address for a fleet without one. */
export const statementRecipient = (operator: Operator, fleet: Group): string =>
  fleet.billingContact?.email ?? operator.contactEmail;

async function partiesOf(deps: FleetsDeps, operator: Operator, fleet: Group, record: StoredStatement) {
  const siteNames: Record<string, string> = {};
  if (deps.siteName) {
    const ids = new Set(record.statement.lines.flatMap((l) => (l.siteId ? [l.siteId] : [])));
    for (const id of ids) {
      const name = await deps.siteName(operator.operatorId, id);
      if (name) siteNames[id] = name;
    }
  }
  return { operatorName: operator.name, fleetName: fleet.name, siteNames } satisfies StatementParties;
}

/** The statement's two documents. */
export async function statementDocuments(
  deps: FleetsDeps,
  operator: Operator,
  fleet: Group,
  record: StoredStatement,
): Promise<{ title: string; fileName: string; csv: string; pdf: Buffer }> {
  const parties = await partiesOf(deps, operator, fleet, record);
  return {
    title: statementTitle(record.statement, parties),
    fileName: statementFileName(record.statement),
    csv: statementCsv(record.statement, parties),
    pdf: await statementPdf(record.statement, parties),
  };
}

/** Emails the statement (PDF and CSV attached) to `to`. */
export async function mailStatement(
  deps: FleetsDeps,
  operator: Operator,
  fleet: Group,
  record: StoredStatement,
  to: string,
): Promise<string> {
  const docs = await statementDocuments(deps, operator, fleet, record);
  const s = record.statement;
  const lines = [
    `${docs.title}.`,
    `${s.lines.length} sessions, ${formatKwh(s.energyMilliWh, 'en-GB')}.`,
    fleet.withPayment && s.totals.grossMinor > 0
      ? 'An invoice for the total follows from our payment provider.'
      : 'The statement and its sessions are attached as PDF and CSV.',
  ];
  const sent = await deps.mailer.send({
    to,
    subject: docs.title,
    html: html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${docs.title}</title></head><body style="font-family:system-ui,sans-serif">${lines.map((l) => html`<p>${l}</p>`)}</body></html>`
      .value,
    text: lines.join('\n'),
    attachments: [
      { filename: `${docs.fileName}.pdf`, contentType: 'application/pdf', content: docs.pdf },
      { filename: `${docs.fileName}.csv`, contentType: 'text/csv', content: Buffer.from(docs.csv, 'utf8') },
    ],
    tags: { statement: 'fleet' },
  });
  return sent.messageId;
}

/** Draft → item → finalised → sent, each step once (see the top of this file). */
async function invoiceMonth(
  deps: FleetsDeps,
  invoicing: FleetInvoicing,
  fleet: Group,
  record: StoredStatement,
): Promise<StoredStatement> {
  const { operatorId, fleetId, month, statement } = record;
  const contact = fleet.billingContact;
  if (!contact) throw new Error(`fleet ${fleetId} has payment but no billing contact`);
  const key = `fleet-invoice:${operatorId}:${fleetId}:${month}`;
  const customerId =
    fleet.stripeCustomerId ??
    (await deps.fleets.saveStripeCustomer(
      operatorId,
      fleetId,
      await invoicing.createCustomer(
        { email: contact.email, name: contact.name ?? fleet.name, metadata: { operatorId, fleetId } },
        `fleet-customer:${operatorId}:${fleetId}`,
      ),
    ));
  const currency = statement.currency.toLowerCase();
  let invoiceId = record.invoice?.stripeInvoiceId;
  if (!invoiceId) {
    invoiceId = await invoicing.createInvoice(
      {
        customerId,
        currency,
        description: `Charging for ${fleet.name}, ${month}`,
        daysUntilDue: deps.invoiceDaysUntilDue,
        metadata: { operatorId, fleetId, month },
      },
      `${key}:create`,
    );
    await deps.fleets.saveInvoice(operatorId, fleetId, month, {
      stripeInvoiceId: invoiceId,
      status: 'created',
    });
  }
  let remote = await invoicing.invoice(invoiceId);
  if (remote.status === 'draft') {
    if (remote.amountDueMinor === 0) {
      await invoicing.addItem(
        {
          customerId,
          invoiceId,
          amountMinor: statement.totals.grossMinor,
          currency,
          description: `${statement.lines.length} charging sessions in ${month} (tax included; see the statement)`,
        },
        `${key}:item`,
      );
    }
    const finalised = await invoicing.finalize(invoiceId, `${key}:finalize`);
    remote = { status: 'open', ...finalised };
  }
  if (remote.amountDueMinor !== statement.totals.grossMinor) {
    throw new Error(
      `invoice ${invoiceId} is for ${remote.amountDueMinor}, the statement's total is ${statement.totals.grossMinor}`,
    );
  }
  await invoicing.send(invoiceId, `${key}:send`);
  const invoice = {
    stripeInvoiceId: invoiceId,
    status: 'sent' as const,
    ...(remote.number ? { number: remote.number } : {}),
    amountDueMinor: remote.amountDueMinor,
    sentAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.fleets.saveInvoice(operatorId, fleetId, month, invoice);
  return { ...record, invoice };
}
