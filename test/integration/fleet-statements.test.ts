/**
 * Fleet statements end to end on the adapters (issue 12, "Fleets"): fleet card sessions of November
 * finalised into the fleet's statement index (DynamoDB Local, a table of this test's own), the
 * monthly run on December 1st with a fake clock, the email with the PDF and the CSV, and the invoice
 * in a Stripe emulator of this test's own (its clock is the same fake clock). A rerun does nothing new.
 * A session final only after its month's statement is billed once, in the next one; a statement of
 * 1500 sessions (items written directly) is stored line by line and read back page by page.
 */
import { BatchWriteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type Stripe from 'stripe';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargeRepository } from '../../shared/adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoFleetStatements } from '../../shared/adapters/dynamodb/fleet-statements.js';
import { gsi2, keys } from '../../shared/adapters/dynamodb/keys.js';
import type { TableContext } from '../../shared/adapters/dynamodb/support.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { StripeFleetInvoicing } from '../../shared/adapters/stripe/fleet-invoices.js';
import type { FleetsDeps } from '../../shared/app/fleets/deps.js';
import {
  allLines,
  runMonthlyStatements,
  statementDocuments,
} from '../../shared/app/fleets/monthly-statements.js';
import type { Group, Operator } from '../../shared/domain/entities.js';
import { statementLine } from '../../shared/domain/fleet-statement.js';
import { priceSession } from '../../shared/domain/pricing.js';
import { silentLog } from '../../shared/ports/log.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';
import { formatMoney, scaledDecimal } from '../../shared/web/format.js';
import { aChargingSession, DEMO_TARIFF } from '../fixtures/builders/pricing.js';
import { stripeClient } from '../fixtures/stripe/emulator.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const t: TableContext = { doc, tableName: 'fleet-statements' };
const run = Date.now().toString(36);

let nowMs = Date.parse('2026-11-20T10:00:00Z');
let emulator: StripeEmulator;
let stripe: Stripe;
const mailer = new MemoryMailer();
const operator: Operator = {
  operatorId: `op-fleets-${run}`,
  name: 'Depot Power',
  currency: 'GBP',
  timeZone: 'Europe/London',
  contactEmail: `ops-${run}@example.com`,
  allowPendingChargers: false,
  allowFreeUse: false,
  preAuthAmountMinor: 5000,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const billingEmail = `accounts-${run}@vans.example`;
const paidFleet: Group = {
  operatorId: operator.operatorId,
  groupId: 'vans',
  name: 'Vans',
  kind: 'fleet',
  billingContact: { email: billingEmail, name: 'Vans Ltd' },
  withPayment: true,
};
const bigOperator: Operator = {
  ...operator,
  operatorId: `op-big-${run}`,
  contactEmail: `big-${run}@example.com`,
};
const bigFleet: Group = {
  operatorId: bigOperator.operatorId,
  groupId: 'lorries',
  name: 'Lorries',
  kind: 'fleet',
};
const freeFleet: Group = { operatorId: operator.operatorId, groupId: 'bikes', name: 'Bikes', kind: 'fleet' };
const transactions = new DynamoTransactionRepository(t);
const charges = new DynamoChargeRepository(t);
const store = new DynamoFleetStatements(t);
let deps: FleetsDeps;

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, t.tableName);
  emulator = await startStripeEmulator({ port: 0, clock: () => nowMs });
  stripe = stripeClient(emulator);
  const catalog = new DynamoOperatorCatalog(doc, t.tableName);
  await catalog.createGroup(paidFleet);
  await catalog.createGroup(freeFleet);
  await catalog.createGroup(bigFleet);
  await catalog.createGroup({ operatorId: operator.operatorId, groupId: 'flats', name: 'Flats' });
  deps = {
    clock: { now: () => nowMs },
    log: silentLog,
    fleets: store,
    invoicing: new StripeFleetInvoicing(async () => stripe),
    operators: {
      operator: async (id) => [operator, bigOperator].find((o) => o.operatorId === id),
    },
    mailer,
    invoiceDaysUntilDue: 30,
  };
});

afterAll(async () => {
  await emulator.stop();
});

let txCounter = 0;

/** A session started at `startedAt` and finalised as the finaliser does (fleet ones join the index). */
async function aFinalSession(
  startedAt: string,
  samples: number,
  fleetId?: string,
  finalAt?: string,
  currency = 'GBP',
): Promise<number> {
  txCounter += 1;
  const startedAtMs = Date.parse(startedAt);
  const session = aChargingSession(samples, { startedAt: startedAtMs / 1000, whPerSample: 500 });
  const charge = { ...priceSession(DEMO_TARIFF, session), currency };
  const idTag = fleetId ? `${fleetId.toUpperCase()}-CARD-${txCounter}` : `DRIVER-${txCounter}`;
  const tx: TransactionRecord = {
    chargerId: `CP-${run}`,
    transactionId: txCounter,
    operatorId: operator.operatorId,
    siteId: 'depot',
    connectorId: 1,
    idTag,
    idTagStatus: 'Accepted',
    meterStart: session.meterStartWh,
    startedAt: new Date(startedAtMs).toISOString(),
    ...(fleetId ? { billedTo: { party: 'fleet' as const, idTag, groupId: fleetId } } : {}),
    status: 'stopped',
    flags: [],
    stoppedAt: new Date(session.stoppedAtMs).toISOString(),
    createdAt: new Date(startedAtMs).toISOString(),
    updatedAt: new Date(session.stoppedAtMs).toISOString(),
  };
  expect(await transactions.createStarted(tx, undefined)).toBe('created');
  const finalisedAt = finalAt ?? new Date(session.stoppedAtMs + 60_000).toISOString();
  const key = { chargerId: tx.chargerId, transactionId: tx.transactionId };
  const outcome = await charges.finalise(key, 0, {
    finalisedAt,
    reason: 'settled',
    charge,
    energyMilliWh: charge.energyMilliWh,
    markFinal: true,
    event: {
      type: 'charge-finalised',
      eventId: `charge-finalised:${tx.chargerId}#${tx.transactionId}`,
      ...key,
      operatorId: operator.operatorId,
      finalisedAt,
      reason: 'settled',
      charge,
      energyMilliWh: charge.energyMilliWh,
      stillRunning: false,
    },
    ...(fleetId
      ? { fleetSession: { operatorId: operator.operatorId, fleetId, startedAt: tx.startedAt as string } }
      : {}),
  });
  expect(outcome).toBe('finalised');
  return charge.totals.grossMinor;
}

describe('monthly fleet statements', () => {
  let novemberGross = 0;

  it('states, mails and invoices each fleet its November on December 1st', async () => {
    // London is UTC+0 in November: 31 Oct 23:30 UTC is October, 30 Nov 23:59 UTC is November.
    // October had no statement: its session is a late line of November's.
    novemberGross += await aFinalSession('2026-10-31T23:30:00Z', 3, 'vans');
    novemberGross += await aFinalSession('2026-11-01T00:10:00Z', 20, 'vans');
    novemberGross += await aFinalSession('2026-11-14T09:00:00Z', 45, 'vans');
    novemberGross += await aFinalSession('2026-11-30T23:40:00Z', 7, 'vans');
    await aFinalSession('2026-12-01T00:05:00Z', 5, 'vans');
    await aFinalSession('2026-11-15T12:00:00Z', 30); // a card payer's: no fleet's
    expect(novemberGross).toBeGreaterThan(0);

    nowMs = Date.parse('2026-12-01T12:00:00Z');
    const report = await runMonthlyStatements(deps, { operatorId: operator.operatorId });
    expect(report).toEqual({ fleets: 2, created: 2, emailed: 2, invoiced: 1, failed: 0 });

    const stored = await store.get(operator.operatorId, 'vans', '2026-11');
    const lines = await allLines(deps, operator.operatorId, 'vans', '2026-11');
    expect(lines.map((l) => [l.date, l.late ?? false])).toEqual([
      ['2026-10-31', true],
      ['2026-11-01', false],
      ['2026-11-14', false],
      ['2026-11-30', false],
    ]);
    expect(stored?.statement).toMatchObject({ sessionCount: 4, lateCount: 1 });
    expect(stored?.statement.totals.grossMinor).toBe(novemberGross);
    expect(stored?.emailedTo).toBe(billingEmail);

    const mail = mailer.sent.find((m) => m.to === billingEmail);
    expect(mail?.subject).toBe('Vans: charging statement for 2026-11');
    const pdf = mail?.attachments?.find((a) => a.contentType === 'application/pdf');
    const csv = mail?.attachments?.find((a) => a.contentType === 'text/csv');
    expect(pdf?.filename).toBe('statement-vans-2026-11.pdf');
    expect(csv?.filename).toBe('statement-vans-2026-11.csv');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf?.content ?? [])), {
      mergePages: true,
    });
    expect(text).toContain(`Total ${formatMoney(novemberGross, 'GBP', 'en-GB')}`);
    const csvRows = Buffer.from(csv?.content ?? [])
      .toString('utf8')
      .trimEnd()
      .split('\r\n');
    const totalRow = csvRows.at(-1)?.split(',') ?? [];
    expect(totalRow[7]).toBe('Total');
    expect(totalRow[11]).toBe(scaledDecimal(novemberGross, 2));
    // The gross column of the session rows adds up to the same total.
    const grossCents = csvRows
      .slice(1)
      .filter((r) => /^\d{4}-/.test(r))
      .reduce((sum, r) => sum + Number((r.split(',')[11] ?? '').replace('.', '')), 0);
    expect(grossCents).toBe(novemberGross);

    // The fleet without a billing contact: its statement goes to the operator; no invoice.
    const bikes = await store.get(operator.operatorId, 'bikes', '2026-11');
    expect(bikes).toMatchObject({ emailedTo: operator.contactEmail, statement: { sessionCount: 0 } });
    expect(bikes?.invoice).toBeUndefined();

    const invoiceId = stored?.invoice?.stripeInvoiceId ?? '';
    const invoice = await stripe.invoices.retrieve(invoiceId);
    expect(invoice).toMatchObject({
      status: 'open',
      amount_due: novemberGross,
      currency: 'gbp',
      customer_email: billingEmail,
      collection_method: 'send_invoice',
    });
    expect(invoice.metadata).toEqual({ operatorId: operator.operatorId, fleetId: 'vans', month: '2026-11' });
    expect(stored?.invoice).toMatchObject({
      status: 'sent',
      amountDueMinor: novemberGross,
      number: invoice.number,
    });
    const sentEvents = await stripe.events.list({ type: 'invoice.sent' });
    expect(sentEvents.data.map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([invoiceId]);
  });

  it('does nothing new when run again', async () => {
    const mails = mailer.sent.length;
    const before = await stripe.invoices.list({ limit: 100 });
    nowMs += 3 * 86_400_000; // past Stripe's idempotency window's day: the stored marks hold
    const report = await runMonthlyStatements(deps, { operatorId: operator.operatorId });
    expect(report).toEqual({ fleets: 2, created: 0, emailed: 0, invoiced: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(mails);
    const after = await stripe.invoices.list({ limit: 100 });
    expect(after.data.map((i) => i.id)).toEqual(before.data.map((i) => i.id));
    expect((await stripe.customers.list({ limit: 100 })).data).toHaveLength(1);
  });

  it('bills a session started on the 30th and final on the 2nd once, late, in the next statement', async () => {
    const novemberBefore = await store.get(operator.operatorId, 'vans', '2026-11');
    // Final on December 2nd: after November's statement was cut on the 1st.
    const lateGross = await aFinalSession('2026-11-30T23:50:00Z', 6, 'vans', '2026-12-02T08:00:00.000Z');
    nowMs = Date.parse('2026-12-02T09:00:00Z');
    // December is not over: it is not stated yet.
    const progress: string[] = [];
    expect(
      await runMonthlyStatements(deps, {
        operatorId: operator.operatorId,
        month: '2026-12',
        onFleet: (p) => progress.push(`${p.fleetId} ${p.month}: ${p.outcome}`),
      }),
    ).toMatchObject({ created: 0, failed: 0 });
    expect(progress.sort()).toEqual(['bikes 2026-12: month-not-over', 'vans 2026-12: month-not-over']);
    // A rerun of November now changes nothing: its statement is cut.
    expect(
      await runMonthlyStatements(deps, { operatorId: operator.operatorId, month: '2026-11' }),
    ).toMatchObject({
      created: 0,
    });
    expect(await allLines(deps, operator.operatorId, 'vans', '2026-11')).toHaveLength(4);
    expect(await store.get(operator.operatorId, 'vans', '2026-11')).toEqual(novemberBefore);

    const decemberGross = await aFinalSession('2026-12-10T10:00:00Z', 10, 'vans');
    nowMs = Date.parse('2027-01-01T12:00:00Z');
    expect(await runMonthlyStatements(deps, { operatorId: operator.operatorId })).toMatchObject({
      created: 2,
      failed: 0,
    });
    const december = await allLines(deps, operator.operatorId, 'vans', '2026-12');
    const lateTx = txCounter - 1;
    expect(december.map((l) => [l.date, l.late ?? false])).toEqual([
      ['2026-11-30', true],
      ['2026-12-01', false], // the session of Dec 1st 00:05 the November run left for December
      ['2026-12-10', false],
    ]);
    const decemberStored = await store.get(operator.operatorId, 'vans', '2026-12');
    expect(decemberStored?.statement.totals.grossMinor).toBe(
      december.reduce((sum, l) => sum + l.total.grossMinor, 0),
    );
    expect(december.find((l) => l.transactionId === lateTx)?.total.grossMinor).toBe(lateGross);
    expect(december.find((l) => l.transactionId === txCounter)?.total.grossMinor).toBe(decemberGross);
    const mail = mailer.sent.find((m) => m.subject === 'Vans: charging statement for 2026-12');
    const csv = Buffer.from(
      mail?.attachments?.find((a) => a.contentType === 'text/csv')?.content ?? [],
    ).toString();
    expect(csv).toContain('late: started 2026-11-30, final after the 2026-11 statement');

    // Every November-or-December session is in exactly one statement.
    const billed = [...(await allLines(deps, operator.operatorId, 'vans', '2026-11')), ...december].map(
      (l) => l.transactionId,
    );
    expect(new Set(billed).size).toBe(billed.length);
    // January's run (a month later) finds nothing left to bill from before January.
    nowMs = Date.parse('2027-02-01T12:00:00Z');
    await runMonthlyStatements(deps, { operatorId: operator.operatorId });
    expect(await allLines(deps, operator.operatorId, 'vans', '2027-01')).toEqual([]);
  });
});

describe('sessions a statement cannot bill', () => {
  const trucks: Group = { operatorId: operator.operatorId, groupId: 'trucks', name: 'Trucks', kind: 'fleet' };
  const warned: { message: string; extra?: Record<string, unknown> }[] = [];
  const watched = (): FleetsDeps => ({
    ...deps,
    log: { ...silentLog, warn: (message, extra) => warned.push({ message, ...(extra ? { extra } : {}) }) },
  });
  const txKey = (transactionId: number) => keys.transaction(`CP-${run}`, transactionId);

  it('takes them off the queue once, recorded on the statement with the reason, the session unchanged', async () => {
    await new DynamoOperatorCatalog(doc, t.tableName).createGroup(trucks);
    const billedGross = await aFinalSession('2027-03-05T10:00:00Z', 12, 'trucks');
    const billed = txCounter;
    await aFinalSession('2027-03-06T10:00:00Z', 8, 'trucks', undefined, 'EUR');
    const euro = txCounter;
    await aFinalSession('2027-03-07T10:00:00Z', 9, 'trucks');
    const unpriceable = txCounter;
    // Pricing flags a session whose stored data it cannot price (recompute-transaction.ts).
    await doc.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: txKey(unpriceable),
        UpdateExpression: 'ADD chargeFlags :f',
        ExpressionAttributeValues: { ':f': new Set(['pricing-input-invalid']) },
      }),
    );
    const before = await Promise.all(
      [euro, unpriceable].map(
        async (id) => (await doc.send(new GetCommand({ TableName: t.tableName, Key: txKey(id) }))).Item,
      ),
    );

    nowMs = Date.parse('2027-04-01T12:00:00Z');
    await runMonthlyStatements(watched(), { operatorId: operator.operatorId, month: '2027-03' });
    const march = await store.get(operator.operatorId, 'trucks', '2027-03');
    expect(march?.statement).toMatchObject({ sessionCount: 1, totals: { grossMinor: billedGross } });
    expect(march?.statement.excluded).toEqual([
      { chargerId: `CP-${run}`, transactionId: euro, reason: 'other-currency' },
      { chargerId: `CP-${run}`, transactionId: unpriceable, reason: 'unpriceable' },
    ]);
    expect(
      (await allLines(deps, operator.operatorId, 'trucks', '2027-03')).map((l) => l.transactionId),
    ).toEqual([billed]);
    expect(warned.filter((w) => w.message.startsWith('sessions left off'))).toHaveLength(1);

    // Off the queue, and nothing else of them changed: the charge, its currency, the flags.
    expect(await store.unbilledSessions(operator.operatorId, 'trucks', '2030-01-01T00:00:00Z')).toEqual([]);
    for (const [i, id] of [euro, unpriceable].entries()) {
      const item = (await doc.send(new GetCommand({ TableName: t.tableName, Key: txKey(id) }))).Item ?? {};
      const { gsi2pk, gsi2sk, fleetExcludedFrom, ...rest } = item;
      expect(gsi2pk).toBeUndefined();
      expect(fleetExcludedFrom).toEqual({
        statement: 'trucks#2027-03',
        reason: id === euro ? 'other-currency' : 'unpriceable',
      });
      const { gsi2pk: _pk, gsi2sk: _sk, ...was } = before[i] ?? {};
      expect(rest).toEqual(was);
    }

    // The statement's documents say so.
    const docs = await statementDocuments(deps, operator, trucks, march as NonNullable<typeof march>);
    expect(docs.csv).toContain(
      `CP-${run},,,${euro},0.000000,none,0.00,0.00,0.00,0.00,GBP,left off: charged in another currency`,
    );
    expect(docs.csv).toContain('left off: its meter data could not be priced');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(docs.pdf)), {
      mergePages: true,
    });
    expect(text).toContain(`transaction ${unpriceable}: left off: its meter data could not be priced`);

    // The next statement neither lists them again nor logs them again.
    warned.length = 0;
    nowMs = Date.parse('2027-05-01T12:00:00Z');
    await runMonthlyStatements(watched(), { operatorId: operator.operatorId, month: '2027-04' });
    expect((await store.get(operator.operatorId, 'trucks', '2027-04'))?.statement.excluded).toEqual([]);
    expect(warned).toEqual([]);
  });
});

describe('a statement of 1500 sessions', () => {
  const SESSIONS = 1500;
  const bigFleetScope = {
    operatorId: bigOperator.operatorId,
    fleetId: bigFleet.groupId,
    timeZone: 'Europe/London',
    currency: 'GBP',
  };
  const charge = priceSession(
    DEMO_TARIFF,
    aChargingSession(4, { startedAt: Date.parse('2026-11-01') / 1000 }),
  );

  /** Final fleet sessions as the finaliser leaves them, written straight to the table (fast). */
  async function writeSessions(count: number): Promise<void> {
    const items = Array.from({ length: count }, (_, i) => {
      const chargerId = `CP-BIG-${run}-${i % 7}`;
      const startedAt = new Date(Date.parse('2026-11-01T06:00:00Z') + i * 1_700_000).toISOString();
      return {
        ...keys.transaction(chargerId, i + 1),
        ...gsi2.fleetSession(bigOperator.operatorId, bigFleet.groupId, startedAt, chargerId, i + 1),
        entity: 'transaction',
        chargerId,
        transactionId: i + 1,
        operatorId: bigOperator.operatorId,
        idTag: `LORRY-${i % 40}`,
        billedTo: { party: 'fleet', idTag: `LORRY-${i % 40}`, groupId: bigFleet.groupId },
        startedAt,
        status: 'final',
        finalisedAt: startedAt,
        energyMilliWh: charge.energyMilliWh,
        charge,
      };
    });
    for (let from = 0; from < items.length; from += 25) {
      const batch = items.slice(from, from + 25).map((Item) => ({ PutRequest: { Item } }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [t.tableName]: batch } }));
    }
  }

  it('stores each line as an item, finishes a run that died half way, and reads the lines back paged', async () => {
    await writeSessions(SESSIONS);
    nowMs = Date.parse('2026-12-01T12:00:00Z');
    // A run that died after storing its first lines: its claim lapsed, its lines stay billed.
    const dead = 'dead-run';
    const scope = { ...bigFleetScope, month: '2026-11' };
    const claimedAt = new Date(nowMs - 3_600_000).toISOString();
    expect(await store.claim(bigOperator.operatorId, 'lorries', '2026-11', dead, claimedAt, claimedAt)).toBe(
      'claimed',
    );
    const early = (await store.unbilledSessions(bigOperator.operatorId, 'lorries', '2026-12-01T00:00:00Z'))
      .slice(0, 120)
      .flatMap((session) => {
        const out = statementLine(scope, session);
        return 'line' in out ? [out.line] : [];
      });
    expect(early).toHaveLength(120);
    await store.addLines(bigOperator.operatorId, 'lorries', '2026-11', dead, early);
    // The dead run no longer holds the claim once another takes it over.
    const report = await runMonthlyStatements(deps, { operatorId: bigOperator.operatorId });
    expect(report).toEqual({ fleets: 1, created: 1, emailed: 1, invoiced: 0, failed: 0 });
    await expect(store.addLines(bigOperator.operatorId, 'lorries', '2026-11', dead, early)).rejects.toThrow(
      /claim/,
    );

    const stored = await store.get(bigOperator.operatorId, 'lorries', '2026-11');
    expect(stored?.statement).toMatchObject({
      sessionCount: SESSIONS,
      lateCount: 0,
      totals: { grossMinor: SESSIONS * charge.totals.grossMinor },
      energyMilliWh: SESSIONS * charge.energyMilliWh,
    });
    const firstPage = await store.lines(bigOperator.operatorId, 'lorries', '2026-11', { limit: 500 });
    expect(firstPage.items).toHaveLength(500);
    expect(firstPage.next).toBeDefined();
    const lines = await allLines(deps, bigOperator.operatorId, 'lorries', '2026-11');
    expect(new Set(lines.map((l) => `${l.chargerId}#${l.transactionId}`)).size).toBe(SESSIONS);
    expect(lines.map((l) => l.startedAt)).toEqual([...lines.map((l) => l.startedAt)].sort((a, b) => a - b));
    expect(await store.unbilledSessions(bigOperator.operatorId, 'lorries', '2027-01-01T00:00:00Z')).toEqual(
      [],
    );

    const docs = await statementDocuments(deps, bigOperator, bigFleet, stored ?? fail());
    const sessionRows = docs.csv.split('\r\n').filter((r) => /^\d{4}-/.test(r));
    expect(new Set(sessionRows.map((r) => r.split(',')[5])).size).toBe(SESSIONS);
    expect(docs.csv.trimEnd().split('\r\n').at(-1)?.split(',')[11]).toBe(
      scaledDecimal(SESSIONS * charge.totals.grossMinor, 2),
    );
  }, 120_000);
});

function fail(): never {
  throw new Error('expected a value');
}
