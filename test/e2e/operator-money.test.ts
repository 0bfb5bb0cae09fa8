/**
 * The operator's money side in real headless Chromium against the shared test platform: the owner
 * signs in to the console and asks for the onboarding link under Payouts; the invitation email's
 * link, opened in a browser with no session, asks for the owner's sign-in (password and TOTP code),
 * then redirects to the Stripe emulator's onboarding; completing it returns to the platform's
 * return page. Then a session's money is transferred, the emulator's clock moves four days so it
 * pays out automatically, and the payout's invoice shows in the console; the detailed invoice is
 * asked for there and arrives by email with its PDF.
 *
 * The emulator's clock is put back afterwards (integration files run one at a time).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../local/chromium.js';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { aConsoleOwner, type ConsoleOwner, signIn } from '../fixtures/console-owner.js';
import { EMULATOR_SECRET_KEY } from '../fixtures/stripe/emulator.js';

const platform = inject('platform');
const { httpUrl, sesUrl, dynamoEndpoint, stripeUrl } = platform.endpoints;
const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');
const PASSWORD = 'a long enough money password';
const DAY_SECONDS = 86_400;

const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const stripe = new Stripe(EMULATOR_SECRET_KEY, {
  host: new URL(stripeUrl).hostname,
  port: Number(new URL(stripeUrl).port),
  protocol: 'http',
  maxNetworkRetries: 0,
});
let browser: Browser;
const contexts: BrowserContext[] = [];

const operatorId = `op-money-${randomUUID().slice(0, 8)}`;
const operatorName = `Money Arms ${operatorId.slice(-4)}`;
const email = `owner-${randomUUID().slice(0, 8)}@money.example`;
let owner: ConsoleOwner;

async function setEmulatorClockDays(days: number): Promise<void> {
  const res = await fetch(`${stripeUrl}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ offset_seconds: String(days * DAY_SECONDS) }).toString(),
  });
  expect(res.status).toBe(200);
}

/** The newest mail to the owner whose subject matches, once it is there. */
async function mailTo(subject: RegExp) {
  await expect
    .poll(
      async () =>
        (await readInbox(sesUrl)).some((m) => m.destination.to.includes(email) && subject.test(m.subject)),
      {
        timeout: 30_000,
        interval: 250,
      },
    )
    .toBe(true);
  const mails = (await readInbox(sesUrl)).filter(
    (m) => m.destination.to.includes(email) && subject.test(m.subject),
  );
  const mail = mails.at(-1);
  if (!mail) throw new Error(`no mail matching ${subject}`);
  return mail;
}

async function aPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems };
}

/** Opens a console page by its address, as a reload does; each page has one h1 once drawn. */
async function open(page: Page, hash: string) {
  await page.goto('about:blank');
  await page.goto(`${httpUrl}/console#/${hash}`);
  await page.locator('#view h1').first().waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  const t = { doc, tableName: platform.tableName };
  const operators = new DynamoOperatorRegistry(t);
  await operators.create({
    operatorId,
    name: operatorName,
    kind: 'public',
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: email,
    allowPendingChargers: false,
    allowFreeUse: false,
    preAuthAmountMinor: 2000,
    createdAt: new Date().toISOString(),
  });
  // The owner's address is the operator's contact address: the payout invoices go there too.
  owner = await aConsoleOwner(platform, operatorId, operatorName, { email, password: PASSWORD });
});

afterAll(async () => {
  await setEmulatorClockDays(0);
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  doc.destroy();
});

describe("the operator's money side", () => {
  let consolePage: Page;
  let consoleProblems: string[];
  let onboardLink: string;
  let accountId: string;

  afterAll(() => {
    // Every page drew under the strict CSP without one refusal or script error.
    expect(consoleProblems).toEqual([]);
  });

  it('asks for the onboarding link from the console and gets it by email', async () => {
    ({ page: consolePage, problems: consoleProblems } = await aPage());
    await signIn(consolePage, httpUrl, owner);

    await open(consolePage, 'payouts');
    expect(await consolePage.locator('#getting-paid .pill').textContent()).toBe('not started');
    await consolePage.getByRole('button', { name: 'Email me the onboarding link' }).click();
    await expect
      .poll(() => consolePage.locator('#notice').textContent())
      .toContain('A new onboarding link is on its way');
    expect(await consolePage.locator('#getting-paid .pill').textContent()).toBe('invitation sent');

    const mail = await mailTo(/^Set up payouts/);
    onboardLink = /(http\S+\/connect\/onboard\/[A-Za-z0-9_-]{43})/.exec(mail.body.text ?? '')?.[1] ?? '';
    expect(onboardLink.startsWith(httpUrl)).toBe(true);
    expect(mail.body.text).not.toContain(stripeUrl);
  });

  it('opens the link, signs in with the second factor, onboards at the emulator and returns', async () => {
    const { page, problems } = await aPage();
    await page.goto(onboardLink);
    await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#go').click();
    await page.locator('#code').waitFor({ state: 'visible' });
    await page.locator('#code').fill(owner.code(1));
    await page.locator('#go').click();
    // The platform mints a fresh Account Link and redirects to Stripe (here the emulator).
    await page.getByRole('heading', { name: 'Set up payouts' }).waitFor({ timeout: 15_000 });
    expect(page.url().startsWith(`${stripeUrl}/connect/onboarding/`)).toBe(true);
    accountId = /acct_\w+/.exec((await page.locator('code').first().textContent()) ?? '')?.[0] ?? '';
    expect(accountId).toMatch(/^acct_/);
    await page.getByRole('button', { name: 'Complete onboarding' }).click();
    await page.waitForURL(`${httpUrl}/connect/return`);
    expect(await page.locator('h1').textContent()).toContain('set up');
    await page.screenshot({ path: join(SHOTS, 'money-return.png'), fullPage: true });
    expect(problems).toEqual([]);

    await expect
      .poll(
        async () => {
          await open(consolePage, 'payouts');
          return consolePage.locator('#getting-paid .pill').textContent();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('ready');
  });

  it("shows a payout's invoice in the console and emails the detailed invoice on request", async () => {
    const sessionId = `sess-${randomUUID().slice(0, 8)}`;
    const pi = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'gbp',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { sessionId },
    });
    // As the Connect flow transfers a captured session: captured − fee, with the contract's metadata.
    await stripe.transfers.create({
      amount: 2250,
      currency: 'gbp',
      destination: accountId,
      source_transaction: pi.latest_charge as string,
      transfer_group: sessionId,
      metadata: {
        operatorId,
        sessionId,
        chargerId: 'CP-MONEY',
        transactionId: '1',
        grossMinor: '2500',
        feeMinor: '250',
      },
    });
    await setEmulatorClockDays(4);
    const invoiceMail = await mailTo(/^Invoice INV-000001/);
    expect(invoiceMail.body.text).toContain('Paid to your bank: £22.50');

    await open(consolePage, 'payouts');
    const row = consolePage.locator('#payouts tr').first();
    await row.waitFor();
    const cells = await row.locator('th, td').allTextContents();
    expect(cells[0]).toContain('INV-000001');
    expect(cells.slice(2, 7)).toEqual(['£22.50', '£25.00', '-£2.50', '£0.00', '1']);
    expect(await row.locator('.pill').textContent()).toBe('paid');
    await consolePage.screenshot({ path: join(SHOTS, 'console-payouts.png'), fullPage: true });

    await row.getByRole('button', { name: 'Email detailed invoice' }).click();
    await expect
      .poll(() => consolePage.locator('#notice').textContent())
      .toContain(`The detailed invoice INV-000001 is on its way to ${email}`);
    const detailed = await mailTo(/^Detailed invoice INV-000001/);
    expect(detailed.body.html).toContain('CP-MONEY');
  });
});
