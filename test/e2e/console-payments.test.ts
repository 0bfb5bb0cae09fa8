/**
 * A paid session's money and a fleet's billing in the operator console, in real headless Chromium
 * against the shared test platform: the owner of an operator with a paid charger finds the captured
 * session in the list by its payment, opens it, sees the hold, the capture and the Stripe payment,
 * refunds part of it (after the form's and the API's refusals) and sees the refunded amount; then
 * sets a fleet's billing and opens its monthly statements (the PDF through its link, sent again; a
 * paid one with its fee and transfer, and the session it left off).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../local/chromium.js';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { aConsoleOwner, type ConsoleOwner, signIn } from '../fixtures/console-owner.js';
import { markStatementPaid, storeEmptyStatement } from '../fixtures/fleet-statements.js';
import { operatorApi } from '../fixtures/operator-api.js';
import {
  apiKeyOf,
  type CapturedSession,
  capturedSession,
  type PaidCharger,
  paidCharger,
} from '../fixtures/payments/platform.js';

const platform = inject('platform');
const { httpUrl, sesUrl } = platform.endpoints;
const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');
const MONTH = '2026-10';
const PAID_MONTH = '2026-09';

let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
let charger: PaidCharger;
let owner: ConsoleOwner;
let paid: CapturedSession;

/** Opens a console page by its address (a fresh document, as a reload); each page has one h1. */
async function open(hash: string) {
  await page.goto('about:blank');
  await page.goto(`${httpUrl}/console#/${hash}`);
  await page.locator('#view h1').first().waitFor({ timeout: 15_000 });
}

const text = (selector: string) => page.locator(selector).first().textContent();

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  charger = await paidCharger(platform);
  paid = await capturedSession(platform, charger);
  owner = await aConsoleOwner(platform, charger.operatorId, 'The Crown');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await signIn(page, httpUrl, owner);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await charger?.close();
  // Every page drew under the strict CSP without one refusal or script error.
  expect(problems).toEqual([]);
});

describe("a paid session's payment in the console", () => {
  it('lists the session with its card payment, and shows the hold, the capture and the Stripe payment', async () => {
    await open('sessions');
    const row = page.locator('#sessions tr', { hasText: `${charger.chargerId} · ${paid.transactionId}` });
    expect(await row.locator('td.payment').textContent()).toBe('Card £12.34 captured');
    await row.getByRole('link').click();
    await page.locator('#payment dl').waitFor();
    expect(await text('#pay-hold')).toBe('£30.00');
    expect(await text('#pay-captured')).toBe('£12.34');
    expect(await text('#pay-released')).toBe('£17.66');
    expect(await text('#pay-refunded')).toBe('£0.00');
    expect(await text('#pay-refundable')).toBe('£12.34');
    expect(await text('#pay-intent')).toBe(paid.paymentIntentId);
    expect(await text('#payment .pill')).toBe('captured');
  });

  it('refuses an amount it cannot read and one over what is left, then refunds part and shows it', async () => {
    await page.locator('#refund-amount').fill('2.345');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => text('#refund-message')).toBe('Write the amount as pounds and pence, like 2.50.');
    // More than the capture: the API's own message.
    await page.locator('#refund-amount').fill('20.00');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => text('#refund-message'), { timeout: 10_000 }).toContain('1 to 1234 minor units');
    expect(await text('#pay-refunded')).toBe('£0.00');

    // The first answer is lost on the way back (the platform made the refund); the operator clicks
    // again, and the same refund's Idempotency-Key gets that refund's answer, not a second refund.
    const sentKeys: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/refunds'))
        sentKeys.push(r.headers()['idempotency-key'] ?? '');
    });
    let dropped = false;
    await page.route('**/refunds', async (route) => {
      if (dropped) return route.continue();
      dropped = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.locator('#refund-amount').fill('2.34');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect
      .poll(() => text('#refund-message'), { timeout: 10_000 })
      .toContain('Press Refund again with the same amount: it is never refunded twice.');
    expect(await text('#refund-done')).toBe('');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect
      .poll(() => text('#refund-done'), { timeout: 10_000 })
      .toBe('Refunded £2.34 (£2.34 in all; £10.00 left to refund).');
    await page.unroute('**/refunds');
    expect(sentKeys).toHaveLength(2);
    expect(sentKeys[0]).toMatch(/^[\x21-\x7e]{8,}$/);
    expect(sentKeys[1]).toBe(sentKeys[0]);
    await expect.poll(() => text('#pay-refunded')).toBe('£2.34');
    expect(await text('#pay-refundable')).toBe('£10.00');
    expect(await text('#payment .pill')).toBe('partly refunded');
    expect(await text('#refund-help')).toContain('Up to £10.00');
    await page.screenshot({ path: join(SHOTS, 'console-session-payment.png'), fullPage: true });

    // As the platform keeps it: the page drawn again reads the same.
    await open(`sessions/${charger.chargerId}/${paid.transactionId}`);
    expect(await text('#pay-refunded')).toBe('£2.34');
  });
});

describe("a fleet's billing in the console", () => {
  const fleetId = 'depot-vans';
  const contact = `accounts-${randomUUID().slice(0, 8)}@vans.example`;

  beforeAll(async () => {
    const api = operatorApi(httpUrl, await apiKeyOf(platform, charger.operatorId));
    expect((await api('POST', '/fleets', { fleetId, name: 'Depot vans' })).status).toBe(201);
    // The monthly run makes statements on the 1st only: one stored as it stores them.
    const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
    const table = { doc, tableName: platform.tableName };
    const statement = { operatorId: charger.operatorId, fleetId, month: MONTH, runId: randomUUID() };
    expect(await storeEmptyStatement(table, statement)).toBe(true);
    // A month before: invoiced and paid, its transfer held, one session left off.
    const paidMonth = {
      ...statement,
      month: PAID_MONTH,
      runId: randomUUID(),
      excluded: [{ chargerId: 'CP-EUR', transactionId: 4, reason: 'other-currency' as const }],
    };
    expect(await storeEmptyStatement(table, paidMonth)).toBe(true);
    await markStatementPaid(table, paidMonth, {
      invoiceId: 'in_console',
      amountDueMinor: 1_000,
      paidAt: '2026-10-03T10:00:00.000Z',
      transfer: { feeMinor: 90, netMinor: 910, status: 'pending' },
    });
    doc.destroy();
  });

  it('refuses payment without a billing contact, then saves it with one', async () => {
    await open('fleets');
    const row = page.locator('#fleets tr', { hasText: 'Depot vans' });
    expect(await row.locator('.pill').textContent()).toBe('statement only');
    await row.getByRole('link', { name: 'Depot vans' }).click();
    await page.getByRole('heading', { name: 'Monthly statements' }).waitFor();
    expect(await text('#fleet-cards')).toBe('0');

    await page.getByLabel('Invoice the month’s total through Stripe').check();
    await page.getByRole('button', { name: 'Save billing' }).click();
    await expect
      .poll(() => text('form[data-form="fleet-billing"] .message'), { timeout: 10_000 })
      .toContain('needs a billingContact');

    await page.getByLabel('Billing contact email').fill(contact);
    await page.getByLabel('Billing contact name').fill('Vans Accounts');
    await page.getByRole('button', { name: 'Save billing' }).click();
    await expect.poll(() => text('#notice'), { timeout: 10_000 }).toBe('Billing of Depot vans is saved.');
    expect(await text('#view .card .pill')).toBe('invoiced');
    expect(await page.getByLabel('Billing contact email').inputValue()).toBe(contact);
    await open('fleets');
    const saved = page.locator('#fleets tr', { hasText: 'Depot vans' });
    expect(await saved.locator('td').nth(1).textContent()).toBe(`Vans Accounts · ${contact}`);
  });

  it("lists the fleet's statements with their files, and sends one again", async () => {
    await open(`fleets/${fleetId}`);
    const row = page.locator(`#statements tr[data-month="${MONTH}"]`);
    expect(await row.locator('th').textContent()).toBe(MONTH);
    expect(await row.locator('td[data-label="Invoice"]').textContent()).toBe('no invoice');
    // The PDF link works with the console's own session (the browser sends its cookie).
    const pdfHref = (await row.getByRole('link', { name: 'PDF' }).getAttribute('href')) ?? '';
    const pdf = await page.request.get(`${httpUrl}${pdfHref}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const csvHref = (await row.getByRole('link', { name: 'CSV' }).getAttribute('href')) ?? '';
    expect((await page.request.get(`${httpUrl}${csvHref}`)).status()).toBe(200);
    await page.screenshot({ path: join(SHOTS, 'console-fleet-statements.png'), fullPage: true });

    // The paid month: the invoice paid, the platform fee and the transfer waiting, the session left off.
    const paidRow = page.locator(`#statements tr[data-month="${PAID_MONTH}"]`);
    expect(await paidRow.locator('td[data-label="Invoice"] .pill').textContent()).toBe('invoice paid');
    expect(await paidRow.locator('[data-transfer]').textContent()).toBe('fee £0.90 · transfer pending £9.10');
    expect(await paidRow.locator('[data-left-off]').textContent()).toBe(
      'left off: CP-EUR #4, charged in another currency',
    );

    await row.getByRole('button', { name: 'Send again' }).click();
    await expect
      .poll(() => text('#notice'), { timeout: 10_000 })
      .toBe(`The statement of ${MONTH} is on its way to ${contact}.`);
    await expect
      .poll(async () => (await readInbox(sesUrl)).some((m) => m.destination.to.includes(contact)), {
        timeout: 10_000,
      })
      .toBe(true);
  });
});
