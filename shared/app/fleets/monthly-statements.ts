/**
 * The monthly fleet statements (issue 12, "Fleets"), run on the 1st (functions/schedules/
 * fleet-statements.ts): for every fleet, the statement of the month before in its operator's time
 * zone, stored, emailed (PDF + CSV) to the fleet's billing contact and, for fleets with payment,
 * invoiced through Stripe for the month's total.
 *
 * Every session is billed exactly once. A statement bills the fleet's final sessions that are in no
 * statement yet and started before its month ended: the month's own and `late` ones, started in an
 * earlier month but final only after that month's statement was cut (a late StopTransaction, an
 * offline charger's queue, the settle window). Each line is stored in the same transaction that
 * marks its session billed in this statement (FleetStatementStore.addLines), so no session is in two
 * statements, and none that is final is left out of the next one. The statement is made under a
 * claim (a lease, so a run that died is taken over): only the holder adds lines, and the header
 * with the totals is created from every stored line once all are in, releasing the claim. A run
 * that stopped half way finds its stored lines and adds only the rest.
 *
 * A rerun does nothing twice. Each step leaves a mark on the stored statement and is skipped once
 * marked: the statement is created only if absent (then its stored figures are used, never rebuilt),
 * the email goes while `emailedAt` is absent, and the invoice moves draft → item → finalised → sent,
 * reading the draft back before adding to it. Every Stripe call carries an idempotency key of the
 * fleet and month, so a retry within Stripe's 24 h window replays instead of repeating, and the
 * stored marks carry the guarantee past it. The one window left: a crash after the mailer accepted
 * the email and before `emailedAt` is stored sends the statement again on the rerun.
 */
import { randomUUID } from 'node:crypto';
import type { Group, Operator } from '../../domain/entities.js';
import {
  type ExcludedSession,
  type FleetStatement,
  lineOrder,
  monthAt,
  monthBounds,
  previousMonth,
  type StatementLine,
  type StatementMonth,
  type StatementScope,
  statementLine,
  summariseStatement,
  UNBILLABLE,
} from '../../domain/fleet-statement.js';
import { formatKwh } from '../../web/format.js';
import { html } from '../../web/html.js';
import {
  type FleetInvoicing,
  type FleetsDeps,
  MAX_UNBILLABLE_PER_STATEMENT,
  type StoredStatement,
} from './deps.js';
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

/** Which fleets a run states, and which month (default: the month before, per operator). */
export interface MonthlyRunOptions {
  month?: StatementMonth;
  operatorId?: string;
  /** Called after each fleet (the admin command prints it as progress). */
  onFleet?: (progress: {
    operatorId: string;
    fleetId: string;
    month: StatementMonth;
    outcome: string;
  }) => void;
}

/** How long a run holds a fleet's month while it bills it; a run that died is taken over after it. */
const CLAIM_LEASE_MS = 15 * 60_000;

/** Lines read per page when a statement is rendered. */
const LINE_PAGE = 500;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The month a run at `nowMs` states: the one before the operator's current month. */
export function statementMonthAt(timeZone: string, nowMs: number): StatementMonth {
  return previousMonth(monthAt(timeZone, Math.floor(nowMs / 1000)));
}

/**
 * Every fleet's statement of the month before (or of `options.month`, of one operator's fleets with
 * `options.operatorId`); one fleet's failure does not stop the others. Fleets and sessions stored
 * before their indexes are backfilled first (once per table).
 */
export async function runMonthlyStatements(
  deps: FleetsDeps,
  options: MonthlyRunOptions = {},
): Promise<MonthlyRunReport> {
  const backfill = await deps.fleets.backfillIndexes();
  if (backfill !== 'done') deps.log.info('fleet indexes backfilled', { ...backfill });
  const report: MonthlyRunReport = { fleets: 0, created: 0, emailed: 0, invoiced: 0, failed: 0 };
  const operators = new Map<string, Promise<Operator | undefined>>();
  for (const fleet of await deps.fleets.allFleets()) {
    if (options.operatorId !== undefined && fleet.operatorId !== options.operatorId) continue;
    report.fleets++;
    let month: StatementMonth | undefined = options.month;
    let outcome = 'failed';
    try {
      let operator = operators.get(fleet.operatorId);
      if (!operator) {
        operator = deps.operators.operator(fleet.operatorId);
        operators.set(fleet.operatorId, operator);
      }
      const found = await operator;
      if (!found) {
        outcome = 'no-operator';
        continue;
      }
      const timeZone = found.timeZone ?? 'UTC';
      month ??= statementMonthAt(timeZone, deps.clock.now());
      if (monthBounds(timeZone, month).toSeconds * 1000 > deps.clock.now()) {
        // Cut early, it would leave the rest of the month to the next statement as late lines.
        outcome = 'month-not-over';
        continue;
      }
      const settled = await settleFleetMonth(deps, found, fleet, month);
      if (settled.created) report.created++;
      if (settled.emailed) report.emailed++;
      if (settled.invoiced) report.invoiced++;
      outcome =
        [settled.created && 'created', settled.emailed && 'emailed', settled.invoiced && 'invoiced']
          .filter(Boolean)
          .join(',') || 'unchanged';
    } catch (error) {
      report.failed++;
      deps.log.error('fleet statement failed; the next run tries again', {
        operatorId: fleet.operatorId,
        fleetId: fleet.groupId,
        error: String(error),
      });
    } finally {
      options.onFleet?.({
        operatorId: fleet.operatorId,
        fleetId: fleet.groupId,
        month: month ?? '',
        outcome,
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
  if (!record) ({ record, created } = await buildRecord(deps, operator, fleet, month));
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
  const invoiceDone = record.invoice?.status === 'sent' || record.invoice?.status === 'paid';
  if (fleet.withPayment && record.statement.totals.grossMinor > 0 && !invoiceDone) {
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

/**
 * Makes the statement of `month` under a claim (see the top of this file): the lines stored by an
 * earlier run that stopped half way, plus a line for each session not billed yet, each stored and
 * marked billed; then the header with the totals of every stored line.
 */
async function buildRecord(
  deps: FleetsDeps,
  operator: Operator,
  fleet: Group,
  month: StatementMonth,
): Promise<{ record: StoredStatement; created: boolean }> {
  const scope: StatementScope = {
    operatorId: operator.operatorId,
    fleetId: fleet.groupId,
    month,
    timeZone: operator.timeZone ?? 'UTC',
    currency: operator.currency,
  };
  const runId = randomUUID();
  const now = deps.clock.now();
  const claimed = await deps.fleets.claim(
    scope.operatorId,
    scope.fleetId,
    month,
    runId,
    new Date(now).toISOString(),
    new Date(now + CLAIM_LEASE_MS).toISOString(),
  );
  if (claimed === 'busy') throw new Error(`statement ${scope.fleetId} ${month} is being made by another run`);

  const stored = await allLines(deps, scope.operatorId, scope.fleetId, month);
  const already = new Set(stored.map(sessionRef));
  const { toSeconds } = monthBounds(scope.timeZone, month);
  const unbilled = await deps.fleets.unbilledSessions(scope.operatorId, scope.fleetId, iso(toSeconds));
  const fresh: StatementLine[] = [];
  const excluded: ExcludedSession[] = [];
  for (const session of unbilled) {
    if (already.has(sessionRef(session))) continue;
    const out = statementLine(scope, session);
    if ('line' in out) fresh.push(out.line);
    else excluded.push(out.excluded);
  }
  await deps.fleets.addLines(scope.operatorId, scope.fleetId, month, runId, fresh);
  // A session this statement can never bill leaves the queue with it, recorded on it, so no later
  // statement lists it again; past one transaction's room, the rest wait for the next statement.
  const unbillable = excluded
    .filter((x) => UNBILLABLE.includes(x.reason))
    .slice(0, MAX_UNBILLABLE_PER_STATEMENT);
  const lines = [...stored, ...fresh].sort(lineOrder);
  const record: StoredStatement = {
    operatorId: scope.operatorId,
    fleetId: scope.fleetId,
    month,
    createdAt: new Date(deps.clock.now()).toISOString(),
    statement: summariseStatement(scope, lines, unbillable),
  };
  if ((await deps.fleets.create(record, runId, unbillable)) === 'exists') {
    const found = await deps.fleets.get(scope.operatorId, scope.fleetId, month);
    if (!found) throw new Error(`statement ${scope.fleetId} ${month} vanished after it was created`);
    return { record: found, created: false };
  }
  if (unbillable.length > 0) {
    deps.log.warn('sessions left off a fleet statement, off the unbilled queue', {
      ...scope,
      excluded: unbillable,
    });
  }
  return { record, created: true };
}

const sessionRef = (s: { chargerId: string; transactionId: number }): string =>
  `${s.chargerId}#${s.transactionId}`;

/** Every line of a statement, read page by page. */
export async function allLines(
  deps: FleetsDeps,
  operatorId: string,
  fleetId: string,
  month: StatementMonth,
): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  let after: string | undefined;
  do {
    const page = await deps.fleets.lines(operatorId, fleetId, month, {
      limit: LINE_PAGE,
      ...(after ? { after } : {}),
    });
    lines.push(...page.items);
    after = page.next;
  } while (after);
  return lines;
}

/** The fleet's billing contact, or the operator's own address for a fleet without one. */
export const statementRecipient = (operator: Operator, fleet: Group): string =>
  fleet.billingContact?.email ?? operator.contactEmail;

async function partiesOf(deps: FleetsDeps, operator: Operator, fleet: Group, statement: FleetStatement) {
  const siteNames: Record<string, string> = {};
  if (deps.siteName) {
    const ids = new Set(statement.lines.flatMap((l) => (l.siteId ? [l.siteId] : [])));
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
  const { sessionCount: _count, lateCount: _late, ...summary } = record.statement;
  const statement: FleetStatement = {
    ...summary,
    lines: await allLines(deps, record.operatorId, record.fleetId, record.month),
  };
  const parties = await partiesOf(deps, operator, fleet, statement);
  return {
    title: statementTitle(statement, parties),
    fileName: statementFileName(statement),
    csv: statementCsv(statement, parties),
    pdf: await statementPdf(statement, parties),
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
    `${s.sessionCount} sessions, ${formatKwh(s.energyMilliWh, 'en-GB')}.`,
    ...(s.lateCount > 0
      ? [`${s.lateCount} of them started in an earlier month and became final after its statement.`]
      : []),
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
          description: `${statement.sessionCount} charging sessions, statement ${month} (tax included; see the statement)`,
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
