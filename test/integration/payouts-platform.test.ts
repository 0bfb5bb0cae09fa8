/**
 * Payouts through the whole local platform: the shared Stripe emulator pays a connected account out
 * automatically when its clock moves, its signed `payout.paid` reaches `/stripe/connect-webhook`, the
 * webhook function stores the invoice and emails it (read back from ses-local), and the operator API
 * lists it and emails the detailed invoice on request (or with every payout, once the operator turns
 * `send-detailed-invoices` on); `payout.failed` stores Stripe's reason.
 *
 * The emulator's clock is moved forward for this file only and put back afterwards (files run one at
 * a time, vitest.config.ts); webhook signatures carry wall-clock time, so the platform accepts them.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { issueApiKey } from '../../shared/app/operators/api-keys.js';
import { systemClock } from '../../shared/ports/clock.js';
import { EMULATOR_SECRET_KEY } from '../fixtures/stripe/emulator.js';

const platform = inject('platform');
const { httpUrl, sesUrl, dynamoEndpoint, stripeUrl } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const stripe = new Stripe(EMULATOR_SECRET_KEY, {
  host: new URL(stripeUrl).hostname,
  port: Number(new URL(stripeUrl).port),
  protocol: 'http',
  maxNetworkRetries: 0,
});
const DAY_SECONDS = 86_400;

let operatorId: string;
let email: string;
let accountId: string;
let apiKey: string;

async function emulator(path: string, form: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`${stripeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

const setClockDays = (days: number) =>
  emulator('/_emulator/clock', { offset_seconds: String(days * DAY_SECONDS) });

// biome-ignore lint/suspicious/noExplicitAny: answers are checked against literal expectations.
type Answer = { status: number; json: any; headers: Headers };

async function api(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** A captured session's transfer to the operator, with the metadata the Connect flow writes. */
async function sessionTransfer(grossMinor: number, feeMinor: number): Promise<void> {
  const sessionId = `sess-${randomUUID().slice(0, 8)}`;
  const pi = await stripe.paymentIntents.create({
    amount: grossMinor,
    currency: 'gbp',
    payment_method: 'pm_card_visa',
    confirm: true,
    metadata: { sessionId },
  });
  await stripe.transfers.create({
    amount: grossMinor - feeMinor,
    currency: 'gbp',
    destination: accountId,
    source_transaction: pi.latest_charge as string,
    transfer_group: sessionId,
    metadata: {
      operatorId,
      sessionId,
      chargerId: 'CP-PAYOUT',
      transactionId: '1',
      grossMinor: String(grossMinor),
      feeMinor: String(feeMinor),
    },
  });
}

interface StoredMail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
  attachments?: { filename: string; content: string }[];
}

/** The operator's mail in ses-local, attachments included (base64), oldest first. */
async function inboxOf(to: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) => m.destination.to.includes(to));
}

async function mailTitled(prefix: string): Promise<StoredMail> {
  await expect
    .poll(async () => (await inboxOf(email)).some((m) => m.subject.startsWith(prefix)), {
      timeout: 30_000,
      interval: 250,
    })
    .toBe(true);
  const found = (await inboxOf(email)).find((m) => m.subject.startsWith(prefix));
  if (!found) throw new Error(`no mail "${prefix}…"`);
  return found;
}

beforeAll(async () => {
  const t = { doc, tableName: platform.tableName };
  operatorId = `op-payouts-${randomUUID().slice(0, 8)}`;
  email = `${operatorId}@payouts.example`;
  const account = await stripe.accounts.create({
    type: 'express',
    country: 'GB',
    capabilities: { transfers: { requested: true } },
    metadata: { operatorId },
  });
  accountId = account.id;
  await emulator(`/_emulator/accounts/${accountId}/complete_onboarding`);
  const operators = new DynamoOperatorRegistry(t);
  await operators.create({
    operatorId,
    name: 'The Payout Arms',
    kind: 'public',
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: email,
    allowPendingChargers: false,
    allowFreeUse: false,
    preAuthAmountMinor: 2000,
    stripeAccountId: accountId,
    createdAt: new Date().toISOString(),
  });
  const deps = {
    operators,
    users: new DynamoUserStore(t),
    mailer: new MemoryMailer(),
    clock: systemClock,
    publicBaseUrl: httpUrl,
  };
  apiKey = (await issueApiKey(deps, operatorId, { label: 'payouts test' })).key;
});

afterAll(async () => {
  await setClockDays(0);
  doc.destroy();
});

describe('payouts on the local platform', () => {
  let payoutId: string;

  it('invoices an automatic payout from its signed payout.paid and emails the invoice', async () => {
    await sessionTransfer(3000, 300);
    await sessionTransfer(1200, 120);
    await setClockDays(4);
    const invoiceMail = await mailTitled('Invoice INV-000001');
    expect(invoiceMail.body.text).toContain('Sessions: 2');
    expect(invoiceMail.body.text).toContain('Gross takings: £42.00');
    expect(invoiceMail.body.text).toContain('Paid to your bank: £37.80');

    const listed = await api('GET', '/api/v1/payouts');
    expect(listed.status).toBe(200);
    expect(listed.json.items).toHaveLength(1);
    const [payout] = listed.json.items;
    expect(payout).toMatchObject({
      status: 'paid',
      amountMinor: 3780,
      currency: 'GBP',
      invoice: {
        number: 'INV-000001',
        grossTakingsMinor: 4200,
        feesMinor: 420,
        refundsMinor: 0,
        sessionCount: 2,
        emailedAt: expect.any(String),
      },
    });
    payoutId = payout.payoutId;
    expect((await api('GET', `/api/v1/payouts/${payoutId}`)).json.payout).toEqual(payout);
  });

  it('emails the detailed invoice, PDF attached, on request through the API', async () => {
    const sent = await api('POST', `/api/v1/payouts/${payoutId}/detailed-invoice`);
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    expect(sent.json).toEqual({ sent: true, to: email, invoiceNumber: 'INV-000001' });
    const mail = await mailTitled('Detailed invoice INV-000001');
    expect(mail.attachments?.map((a) => a.filename)).toEqual(['INV-000001.pdf']);
    const pdf = Buffer.from(mail.attachments?.[0]?.content ?? '', 'base64');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('£42.00');
    expect(text).toContain('£37.80');
  });

  it('sends at most 5 detailed invoices of a payout an hour: more at once is 429 rate_limited with Retry-After', async () => {
    const detailedSent = async () =>
      (await inboxOf(email)).filter((m) => m.subject.startsWith('Detailed invoice INV-000001')).length;
    // One was sent above: 4 more fit in the hour, whichever of these 7 requests get there first.
    const answers = await Promise.all(
      Array.from({ length: 7 }, () => api('POST', `/api/v1/payouts/${payoutId}/detailed-invoice`)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 202, 202, 429, 429, 429]);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.json.error).toEqual({
        code: 'rate_limited',
        message: expect.stringContaining('at most 5'),
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    }
    await expect.poll(detailedSent, { timeout: 30_000, interval: 250 }).toBe(5);
    // The count is this payout's: a missing one is still 404, not 429.
    expect((await api('POST', '/api/v1/payouts/po_missing/detailed-invoice')).status).toBe(404);
  });

  it('stores the reason Stripe gives when the bank returns the payout', async () => {
    await emulator(`/_emulator/payouts/${payoutId}/fail`, { failure_code: 'account_closed' });
    await expect
      .poll(async () => (await api('GET', `/api/v1/payouts/${payoutId}`)).json.payout, {
        timeout: 30_000,
        interval: 250,
      })
      .toMatchObject({
        status: 'failed',
        failure: { code: 'account_closed', message: expect.stringMatching(/\w/) },
        invoice: { number: 'INV-000001' },
      });
  });

  it('emails the detailed invoice with every payout once the operator turns that on', async () => {
    const patched = await api('PATCH', '/api/v1/operator', { flags: ['send-detailed-invoices'] });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    expect(patched.json.operator.flags).toEqual(['send-detailed-invoices']);
    // The returned payout's money is back on the balance: the next run pays it out again.
    await setClockDays(8);
    const simple = await mailTitled('Invoice INV-000002');
    const detailed = await mailTitled('Detailed invoice INV-000002');
    expect(simple.body.text).toContain('Other adjustments: £37.80');
    expect(detailed.attachments?.map((a) => a.filename)).toEqual(['INV-000002.pdf']);
  });
});
