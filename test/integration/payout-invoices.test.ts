/**
 * Payout invoices end to end on the adapters: a Stripe emulator of this test's own (its clock moves by
 * days without disturbing the shared platform's holds) pays a connected account out automatically, its
 * signed `payout.paid` / `payout.failed` events are handed to handlePayoutEvent, and the invoice lands
 * in DynamoDB Local (a table of its own) with its gapless number, and in the operator's mailbox.
 *
 * Transfers are made here as the connect flow makes them (the contract's metadata), since that flow
 * lives on another branch; a reversal comes from a refund with `reverse_transfer`.
 */
import type Stripe from 'stripe';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoPayoutStore } from '../../shared/adapters/dynamodb/invoices.js';
import type { TableContext } from '../../shared/adapters/dynamodb/support.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { MemoryPaymentSessions, MemorySessionTransactions } from '../../shared/adapters/memory/payments.js';
import { StripePayoutLedger } from '../../shared/adapters/stripe/payouts.js';
import type { PayoutsDeps } from '../../shared/app/payouts/deps.js';
import { buildDetailedInvoice } from '../../shared/app/payouts/detailed-invoice.js';
import { handlePayoutEvent } from '../../shared/app/payouts/payout-events.js';
import { detailedInvoiceHtml } from '../../shared/app/payouts/render-detailed-invoice.js';
import { sendDetailedInvoice } from '../../shared/app/payouts/send-detailed-invoice.js';
import type { Operator } from '../../shared/domain/entities.js';
import { priceSession } from '../../shared/domain/pricing.js';
import { silentLog } from '../../shared/ports/log.js';
import { formatMoney } from '../../shared/web/format.js';
import { aChargingSession, DEMO_TARIFF } from '../fixtures/builders/pricing.js';
import { aPaymentSession } from '../fixtures/contracts/payments.js';
import {
  defined,
  emulatorHelper,
  startWebhookReceiver,
  stripeClient,
  type WebhookReceiver,
} from '../fixtures/stripe/emulator.js';
import { offsetMs } from '../fixtures/time.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const t: TableContext = { doc, tableName: 'payout-invoices' };

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
let connectSecret: string;
let nowMs = Date.now();
const mailer = new MemoryMailer();
const operators = new Map<string, Operator>();
const store = new DynamoPayoutStore(t);
const paymentSessions = new MemoryPaymentSessions();
const sessionTransactions = new MemorySessionTransactions();
let deps: PayoutsDeps;

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, t.tableName);
  emulator = await startStripeEmulator({ port: 0, clock: () => nowMs });
  stripe = stripeClient(emulator);
  receiver = await startWebhookReceiver();
  const endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url,
    connect: true,
    enabled_events: ['payout.paid', 'payout.failed'],
  });
  connectSecret = defined(endpoint.secret ?? undefined, 'webhook secret');
  deps = {
    clock: { now: () => nowMs },
    log: silentLog,
    ledger: new StripePayoutLedger(async () => stripe),
    payouts: store,
    operators: { operator: async (id) => operators.get(id) },
    mailer,
    sessions: paymentSessions,
    transactions: sessionTransactions,
  };
});

afterAll(async () => {
  await emulator.stop();
  await receiver.close();
});

async function advance(offset: string): Promise<void> {
  nowMs += offsetMs(offset);
  await emulatorHelper(emulator, '/_emulator/clock', { offset_seconds: '0' });
  await emulator.flushWebhooks();
}

/** An operator with its onboarded connected account. */
async function anOperator(name: string): Promise<Operator> {
  const operatorId = `op-${name.toLowerCase().replace(/\W+/g, '-')}-${Math.floor(nowMs / 1000)}`;
  const account = await stripe.accounts.create({
    type: 'express',
    country: 'GB',
    capabilities: { transfers: { requested: true } },
    metadata: { operatorId },
  });
  await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
  const operator: Operator = {
    operatorId,
    name,
    currency: 'GBP',
    contactEmail: `${operatorId}@example.com`,
    allowPendingChargers: false,
    allowFreeUse: false,
    preAuthAmountMinor: 5000,
    stripeAccountId: account.id,
    createdAt: new Date(nowMs).toISOString(),
  };
  operators.set(operatorId, operator);
  return operator;
}

let sessionCounter = 0;

/** A captured session's transfer, with the contract's metadata (i12-common.md). */
async function sessionTransfer(operator: Operator, grossMinor: number, feeMinor: number) {
  sessionCounter += 1;
  const sessionId = `sess-${sessionCounter}-${nowMs}`;
  const pi = await stripe.paymentIntents.create({
    amount: grossMinor,
    currency: 'gbp',
    payment_method: 'pm_card_visa',
    confirm: true,
    metadata: { sessionId },
  });
  return stripe.transfers.create(
    {
      amount: grossMinor - feeMinor,
      currency: 'gbp',
      destination: operator.stripeAccountId ?? '',
      source_transaction: pi.latest_charge as string,
      transfer_group: sessionId,
      metadata: {
        operatorId: operator.operatorId,
        sessionId,
        chargerId: 'CP-1',
        transactionId: String(sessionCounter),
        grossMinor: String(grossMinor),
        feeMinor: String(feeMinor),
      },
    },
    { idempotencyKey: `transfer:${sessionId}` },
  );
}

/** The signed events the emulator delivered for `account`, verified as the webhook endpoint does. */
function deliveredEvents(account: string, type: string): Stripe.Event[] {
  return receiver.received
    .map((w) => stripe.webhooks.constructEvent(w.rawBody, w.signature, connectSecret))
    .filter((e) => e.account === account && e.type === type);
}

async function payoutContentsNet(account: string, payoutId: string): Promise<number> {
  let sum = 0;
  for await (const txn of stripe.balanceTransactions.list(
    { payout: payoutId, limit: 100 },
    { stripeAccount: account },
  )) {
    if (txn.type !== 'payout') sum += txn.net;
  }
  return sum;
}

describe('payout.paid', () => {
  it('stores a simple invoice whose lines add up to the payout, and emails it', async () => {
    const operator = await anOperator('The Red Lion');
    const account = operator.stripeAccountId ?? '';
    await sessionTransfer(operator, 2345, 235);
    await sessionTransfer(operator, 1000, 100);
    // A destination charge refunded in part: its transfer reversal is in the same payout.
    const pi = await stripe.paymentIntents.create({
      amount: 4000,
      currency: 'gbp',
      payment_method: 'pm_card_visa',
      confirm: true,
      transfer_data: { destination: account, amount: 3600 },
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    await stripe.transfers.update(charge.transfer as string, {
      metadata: {
        operatorId: operator.operatorId,
        sessionId: 'sess-refunded',
        chargerId: 'CP-2',
        transactionId: '99',
        grossMinor: '4000',
        feeMinor: '400',
      },
    });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 1000, reverse_transfer: true });

    await advance('+4d');
    const [event] = deliveredEvents(account, 'payout.paid');
    const paid = defined(event, 'payout.paid event');
    expect(await handlePayoutEvent(deps, paid)).toBe('invoiced');

    const payout = paid.data.object as Stripe.Payout;
    const record = defined(await store.get(operator.operatorId, payout.id), 'stored payout');
    const invoice = defined(record.invoice, 'invoice');
    expect(invoice.number).toBe('INV-000001');
    expect(invoice.totals).toEqual({
      payoutAmountMinor: payout.amount,
      grossTakingsMinor: 2345 + 1000 + 4000,
      feesMinor: 235 + 100 + 400,
      // The reversal is the operator's share of the 1000 refunded: 3600 / 4000 of it.
      refundsMinor: 900,
      otherMinor: 0,
      sessionCount: 3,
    });
    const linesNet = invoice.lines.reduce((sum, line) => sum + line.amountMinor, 0);
    expect(linesNet).toBe(payout.amount);
    expect(await payoutContentsNet(account, payout.id)).toBe(payout.amount);
    expect(invoice.lines.find((l) => l.kind === 'refund')).toMatchObject({
      sessionId: 'sess-refunded',
      amountMinor: -900,
    });

    const [mail] = mailer.sent.filter((m) => m.to === operator.contactEmail);
    expect(mail?.subject).toContain('INV-000001');
    expect(mail?.text).toContain('Paid to your bank: £57.10');
    expect((await store.get(operator.operatorId, payout.id))?.invoice?.emailMessageId).toBe(mail?.messageId);
  });

  it('numbers invoices gaplessly: a redelivered event takes no second number, nor a second email', async () => {
    const operator = await anOperator('The Crown');
    const account = operator.stripeAccountId ?? '';
    await sessionTransfer(operator, 3000, 300);
    await advance('+4d');
    await sessionTransfer(operator, 2000, 200);
    await advance('+4d');
    const events = deliveredEvents(account, 'payout.paid');
    expect(events).toHaveLength(2);
    const [first, second] = events.sort((a, b) => a.created - b.created) as [Stripe.Event, Stripe.Event];

    // The same event three times, then the next payout's.
    expect(await handlePayoutEvent(deps, first)).toBe('invoiced');
    expect(await handlePayoutEvent(deps, first)).toBe('already-invoiced');
    expect(await handlePayoutEvent(deps, first)).toBe('already-invoiced');
    expect(await handlePayoutEvent(deps, second)).toBe('invoiced');

    const listed = await store.list(operator.operatorId, { limit: 10 });
    expect(listed.items.map((r) => r.invoice?.number)).toEqual(['INV-000002', 'INV-000001']);
    expect(mailer.sent.filter((m) => m.to === operator.contactEmail)).toHaveLength(2);
  });

  it('sends the invoice email once when the same payout.paid is delivered several times at once', async () => {
    const operator = await anOperator('The Bell');
    await sessionTransfer(operator, 2500, 250);
    await advance('+4d');
    const [event] = deliveredEvents(operator.stripeAccountId ?? '', 'payout.paid');
    const paid = defined(event, 'payout.paid event');
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => handlePayoutEvent(deps, paid)));
    expect(outcomes.filter((o) => o === 'invoiced')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already-invoiced')).toHaveLength(3);
    expect(mailer.sent.filter((m) => m.to === operator.contactEmail)).toHaveLength(1);
    // A later redelivery finds it sent.
    expect(await handlePayoutEvent(deps, paid)).toBe('already-invoiced');
    expect(mailer.sent.filter((m) => m.to === operator.contactEmail)).toHaveLength(1);
  });

  it('numbers payouts of one operator invoiced at the same moment without a gap or a repeat', async () => {
    const operator = await anOperator('The Swan');
    const account = operator.stripeAccountId ?? '';
    for (let day = 0; day < 4; day++) {
      await sessionTransfer(operator, 1500 + day, 150);
      await advance('+1d');
    }
    await advance('+3d');
    const events = deliveredEvents(account, 'payout.paid');
    expect(events.length).toBeGreaterThanOrEqual(3);
    await Promise.all(events.map((e) => handlePayoutEvent(deps, e)));
    const listed = await store.list(operator.operatorId, { limit: 10 });
    const sequences = listed.items.map((r) => r.invoice?.sequence ?? 0).sort((a, b) => a - b);
    expect(sequences).toEqual(events.map((_, i) => i + 1));
  });

  it('files nothing under an operator whose connected account it is not', async () => {
    const victim = await anOperator('The Plough');
    const other = await anOperator('The Mitre');
    // A transfer to the other operator's account that claims to be the victim's session.
    await sessionTransfer({ ...victim, stripeAccountId: other.stripeAccountId }, 2000, 200);
    await advance('+4d');
    const [event] = deliveredEvents(other.stripeAccountId ?? '', 'payout.paid');
    expect(await handlePayoutEvent(deps, defined(event, 'payout.paid'))).toBe('not-ours');
    expect((await store.list(victim.operatorId, { limit: 10 })).items).toEqual([]);
  });
});

describe('payout.failed', () => {
  it("stores the failure with Stripe's reason, on the invoiced payout", async () => {
    const operator = await anOperator('The George');
    const account = operator.stripeAccountId ?? '';
    await sessionTransfer(operator, 2500, 250);
    await advance('+4d');
    const paid = defined(deliveredEvents(account, 'payout.paid')[0], 'payout.paid');
    await handlePayoutEvent(deps, paid);
    const payoutId = (paid.data.object as Stripe.Payout).id;

    await emulatorHelper(emulator, `/_emulator/payouts/${payoutId}/fail`, { failure_code: 'no_account' });
    await emulator.flushWebhooks();
    const failed = defined(deliveredEvents(account, 'payout.failed')[0], 'payout.failed');
    expect(await handlePayoutEvent(deps, failed)).toBe('failure-recorded');
    const record = await store.get(operator.operatorId, payoutId);
    expect(record?.status).toBe('failed');
    expect(record?.failure).toMatchObject({
      code: 'no_account',
      message: expect.stringContaining('No bank account could be located'),
    });
    expect(record?.invoice?.number).toBe('INV-000001');
    // A late redelivery of `paid` does not undo the failure: the payout is re-read from Stripe.
    expect(await handlePayoutEvent(deps, paid)).toBe('failure-recorded');
    expect((await store.get(operator.operatorId, payoutId))?.status).toBe('failed');
  });
});

describe('detailed invoice', () => {
  it('lists every session with its components; the PDF read back carries the stored totals', async () => {
    const operator = await anOperator('The Bell');
    const account = operator.stripeAccountId ?? '';
    const sessions = paymentSessions;
    const transactions = sessionTransactions;
    const built: { sessionId: string; gross: number; fee: number }[] = [];
    for (const [i, samples] of [30, 45].entries()) {
      const charge = priceSession(DEMO_TARIFF, aChargingSession(samples));
      const gross = charge.totals.grossMinor;
      const fee = Math.floor(gross / 10);
      const transfer = await sessionTransfer(operator, gross, fee);
      const sessionId = transfer.metadata.sessionId ?? '';
      const chargerId = `CP-BELL-${i}`;
      await sessions.create(
        aPaymentSession({ sessionId, operatorId: operator.operatorId, chargerId, transactionId: 100 + i }),
      );
      transactions.charges.set(`${chargerId}#${100 + i}`, { charge, final: true });
      built.push({ sessionId, gross, fee });
    }
    // The operator asked for the detailed invoice with every payout.
    operators.set(operator.operatorId, { ...operator, sendDetailedInvoices: true });
    await advance('+4d');
    const paid = defined(deliveredEvents(account, 'payout.paid')[0], 'payout.paid');
    await handlePayoutEvent(deps, paid);
    const record = defined(
      await store.get(operator.operatorId, (paid.data.object as Stripe.Payout).id),
      'payout',
    );
    const totals = defined(record.invoice, 'invoice').totals;

    const detailed = await buildDetailedInvoice({ sessions, transactions }, operator, record);
    expect(detailed.sessions.map((s) => [s.sessionId, s.grossMinor, s.feeMinor])).toEqual(
      built.map((b) => [b.sessionId, b.gross, b.fee]),
    );
    for (const s of detailed.sessions) {
      expect(s.components.map((c) => c.component)).toEqual(['ENERGY', 'TIME', 'FLAT']);
      expect(s.components.reduce((sum, c) => sum + c.grossMinor, 0)).toBe(s.grossMinor);
      expect(s.energyMilliWh).toBeGreaterThan(0);
    }

    const mail = defined(
      mailer.sent.find((m) => m.to === operator.contactEmail && m.attachments?.length),
      'detailed invoice email',
    );
    expect(mail.subject).toContain(record.invoice?.number);
    const pdf = Buffer.from(defined(mail.attachments?.[0], 'PDF attachment').content);

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    const gbp = (minor: number) => formatMoney(minor, 'GBP', 'en-GB');
    for (const expected of [
      record.invoice?.number ?? '',
      `Gross takings ${gbp(totals.grossTakingsMinor)}`,
      `Platform fees ${gbp(-totals.feesMinor)}`,
      `Paid to your bank ${gbp(totals.payoutAmountMinor)}`,
      ...built.map((b) => b.sessionId),
    ]) {
      expect(text.replace(/\s+/g, ' ')).toContain(expected);
    }
    const page = mail.html;
    expect(page).toBe(detailedInvoiceHtml(detailed));
    expect(page).toContain(gbp(totals.payoutAmountMinor));
    expect(page).toContain('Session fee');
  });
});

describe('detailed invoice on request', () => {
  it('sends it for an invoiced payout of the operator only', async () => {
    const operator = await anOperator('The Anchor');
    await sessionTransfer(operator, 1800, 180);
    await advance('+4d');
    const paid = defined(deliveredEvents(operator.stripeAccountId ?? '', 'payout.paid')[0], 'payout.paid');
    await handlePayoutEvent(deps, paid);
    const payoutId = (paid.data.object as Stripe.Payout).id;
    const before = mailer.sent.length;
    expect(await sendDetailedInvoice(deps, operator.operatorId, payoutId)).toMatchObject({ outcome: 'sent' });
    expect(mailer.sent.slice(before).map((m) => m.attachments?.[0]?.filename)).toEqual(['INV-000001.pdf']);
    const stranger = await anOperator('The Ship');
    expect(await sendDetailedInvoice(deps, stranger.operatorId, payoutId)).toEqual({ outcome: 'not-found' });
  });
});
