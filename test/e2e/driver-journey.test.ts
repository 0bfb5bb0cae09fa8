/**
 * The driver's paid session in real headless Chromium against the shared test platform: the start
 * page with the emulator's Payment Element, the pre-auth email from the SES inbox, the Transaction
 * URL opened on another device (a second browser context), live updates by polling, Stop, the
 * settle window, capture and the receipt; and the ways it goes wrong (declined card, 3-D Secure
 * pass and fail, cancel before start, the no-start timeout, late readings, a wrong token).
 * Each test has a paid charger of its own (test/fixtures/payments/platform.ts). Screenshots go where
 * pages.test.ts keeps them (.cache/screenshots), as artifacts of the run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readInbox, type StoredEmail } from '../../local/ses-local.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';
import { type PaidCharger, paidCharger, platformStripe } from '../fixtures/payments/platform.js';
import { launchChromium } from '../fixtures/stripe/browser.js';

const platform = inject('platform');
const { httpUrl, sesUrl, stripeUrl } = platform.endpoints;
const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');

const CARDS = {
  visa: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  threeDSecure: '4000 0027 6000 3184',
};

/** 45.5p per kWh + 20% VAT: energy is the whole price, so every Wh shows in the total. */
const energyTariff = (operatorId: string) =>
  aTariff({ id: 'energy', operatorId, elements: [{ components: [energy(45_500, 2000)] }] });

let browser: Browser;
const chargers: PaidCharger[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await Promise.all(chargers.map((c) => c.close()));
});

async function aCharger(opts: Parameters<typeof paidCharger>[1] = {}): Promise<PaidCharger> {
  const charger = await paidCharger(platform, opts);
  chargers.push(charger);
  return charger;
}

/** A phone-sized page in a fresh context (a device of its own), collecting CSP violations. */
async function aPhone(): Promise<{ page: Page; violations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  contexts.push(context);
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  return { page, violations };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `driver-journey-${name}.png`), fullPage: true });

const anEmail = () => `driver-${randomUUID().slice(0, 8)}@example.com`;

const mailTo = async (email: string): Promise<StoredEmail[]> =>
  (await readInbox(sesUrl)).filter((m) => m.destination.to.includes(email));

const statusText = (page: Page) => page.locator('#status-text').textContent();

/** Start page → email → Continue → the card in the emulator's frame, typed by keyboard. */
async function openAndEnterCard(page: Page, charger: PaidCharger, email: string, card: string) {
  const res = await page.goto(`${httpUrl}/c/${charger.chargerId}?connector=1`);
  expect(res?.status()).toBe(200);
  await page.getByLabel('Email for your receipts').fill(email);
  await page.getByRole('button', { name: 'Continue to card details' }).click();
  await typeCard(page, card);
}

async function typeCard(page: Page, card: string) {
  const frame = page.frameLocator('iframe[title="Secure payment input frame"]');
  const number = frame.getByLabel('Card number');
  await number.waitFor();
  await number.fill('');
  await number.focus();
  await page.keyboard.type(card);
  await page.keyboard.press('Tab');
  await page.keyboard.type('1234');
  await page.keyboard.press('Tab');
  await page.keyboard.type('123');
}

const startCharging = (page: Page) => page.getByRole('button', { name: 'Start charging' }).click();

/** The PaymentIntent behind the start page's session, from the start page's own API call. */
function paymentIntentOf(page: Page): Promise<string> {
  return page
    .waitForResponse((r) => r.url().endsWith('/api/drive/sessions') && r.request().method() === 'POST')
    .then(
      async (r) => ((await r.json()) as { clientSecret: string }).clientSecret.split('_secret_')[0] ?? '',
    );
}

async function challenge(page: Page, button: 'Complete authentication' | 'Fail authentication') {
  await page.getByRole('dialog', { name: '3D Secure authentication' }).waitFor();
  await page
    .frameLocator('iframe[title="3D Secure authentication"]')
    .getByRole('button', { name: button })
    .click();
}

const transactionUrlIn = (mail: StoredEmail | undefined): string => {
  const found = mail?.body.text?.match(/https?:\/\/\S+\/t\/[A-Za-z0-9_-]+/)?.[0];
  if (!found) throw new Error(`no Transaction URL in ${mail?.subject}`);
  return found;
};

/**
 * A charger that lost its link flushes queued readings after StopTransaction; each one restarts the
 * settle window. They are sent until `page` shows "Final readings pending", so the state is seen
 * however the 3 s poll falls against the test platform's 2 s window. They repeat the last register
 * at instants between the last reading (`fromMs`) and the stop, so they change no total.
 */
async function lateReadingsUntilPending(page: Page, charger: PaidCharger, fromMs: number) {
  const transactionId = charger.transactions.at(-1);
  for (let i = 1; i <= 40; i++) {
    await charger.client.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: new Date(fromMs + i).toISOString(),
          sampledValue: [
            { value: String(charger.meterWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          ],
        },
      ],
    });
    if ((await statusText(page)) === 'Final readings pending') return;
    await page.waitForTimeout(700);
  }
  throw new Error('the page never showed "Final readings pending"');
}

describe('the driver journey in Chromium', () => {
  it('pays with 4242, follows the session on a second device, stops it, sees capture and release', async () => {
    // £12.34 flat, no tax: a price that does not grow with energy, so the cost cap (which stops a
    // session whose energy would soon pass the hold) stays out of a test that sends kWh in seconds.
    const charger = await aCharger();
    const email = anEmail();
    const { page, violations } = await aPhone();
    const intentId = paymentIntentOf(page);
    await openAndEnterCard(page, charger, email, CARDS.visa);
    await shot(page, '1-start-page');
    // The card frame shows each field whole on a phone: nothing scrolled sideways out of sight.
    const cardFrame = page.frameLocator('iframe[title="Secure payment input frame"]').locator('html');
    expect(
      await cardFrame.evaluate((el: { scrollWidth: number; clientWidth: number; scrollLeft: number }) => [
        el.scrollWidth <= el.clientWidth,
        el.scrollLeft,
      ]),
    ).toEqual([true, 0]);
    await startCharging(page);
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    const firstDeviceUrl = page.url();
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toMatch(/Waiting for the car|Charging/);
    expect(charger.starts).toHaveLength(1);

    await expect.poll(async () => (await mailTo(email)).length, { timeout: 10_000 }).toBe(1);
    const [preAuth] = await mailTo(email);
    expect(preAuth?.subject).toContain('£30.00 held');
    const link = transactionUrlIn(preAuth);
    expect(link).toBe(firstDeviceUrl);

    const other = await aPhone();
    await other.page.goto(link);
    await expect.poll(() => statusText(other.page), { timeout: 10_000 }).toBe('Charging');
    // A marker only this document has: it survives polling, not a reload.
    await other.page.evaluate('window.notReloaded = true');
    expect(await other.page.locator('#energy').textContent()).toBe('0.000 kWh');
    await charger.sendMeter(5400);
    const sampledAtMs = Date.now();
    await expect
      .poll(() => other.page.locator('#energy').textContent(), { timeout: 15_000 })
      .toBe('4.400 kWh');
    expect(await other.page.locator('#total').textContent()).toBe('£12.34');
    expect(await other.page.locator('#cost-heading').textContent()).toBe('Cost so far');
    expect(await other.page.evaluate('window.notReloaded')).toBe(true);
    await shot(other.page, '2-charging-second-device');

    await other.page.getByRole('button', { name: 'Stop charging' }).click();
    await lateReadingsUntilPending(other.page, charger, sampledAtMs);
    await shot(other.page, '3-final-readings-pending');
    await expect.poll(() => statusText(other.page), { timeout: 30_000 }).toBe('Completed');
    await expect
      .poll(() => other.page.locator('#captured').textContent(), { timeout: 10_000 })
      .toBe('£12.34 taken from your card');
    expect(await other.page.locator('#released').textContent()).toBe('£17.66 released back to your card');
    // Updated in place, without a reload: the charge is no longer a running figure.
    expect(await other.page.locator('#cost-heading').textContent()).toBe('Your charge');
    await shot(other.page, '4-completed');

    await expect.poll(async () => (await mailTo(email)).length, { timeout: 15_000 }).toBe(2);
    const receipt = (await mailTo(email))[1];
    expect(receipt?.subject).toBe('Your charging receipt: £12.34');
    expect(receipt?.body.text).toContain(await intentId);
    expect(receipt?.body.text).toContain('£17.66');
    // Both emails as a phone's mail app shows them: no sideways scrolling at 360 px, long Stripe
    // ids and links included.
    const mailApp = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    for (const mail of await mailTo(email)) {
      await mailApp.setContent(mail.body.html ?? '');
      expect(
        await mailApp.evaluate<number>('document.documentElement.scrollWidth'),
        mail.subject,
      ).toBeLessThanOrEqual(360);
    }
    await mailApp.screenshot({ path: join(SHOTS, 'driver-journey-5-receipt.png'), fullPage: true });
    await mailApp.context().close();
    const pi = await platformStripe(platform).paymentIntents.retrieve(await intentId);
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 1234 });
    // The first device, untouched since, has caught up by polling too.
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Completed');
    expect([...violations, ...other.violations]).toEqual([]);
  });

  it('a declined card: the message on the page, nothing held, and the driver can retry', async () => {
    const charger = await aCharger();
    const { page, violations } = await aPhone();
    const intentId = paymentIntentOf(page);
    await openAndEnterCard(page, charger, anEmail(), CARDS.declined);
    await startCharging(page);
    await expect
      .poll(() => page.locator('#message').textContent(), { timeout: 10_000 })
      .toBe('Your card was declined. Nothing has been taken from your card.');
    await shot(page, 'declined');
    const declined = await platformStripe(platform).paymentIntents.retrieve(await intentId);
    expect(declined).toMatchObject({ status: 'requires_payment_method', amount_capturable: 0 });
    expect(charger.starts).toEqual([]);

    await typeCard(page, CARDS.visa);
    await startCharging(page);
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Charging');
    expect(charger.starts).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  it('3-D Secure completed: the hold is taken and the session starts', async () => {
    const charger = await aCharger();
    const { page } = await aPhone();
    await openAndEnterCard(page, charger, anEmail(), CARDS.threeDSecure);
    await startCharging(page);
    await challenge(page, 'Complete authentication');
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Charging');
    expect(charger.starts).toHaveLength(1);
  });

  it('3-D Secure failed: a message, nothing held, no session started', async () => {
    const charger = await aCharger();
    const { page } = await aPhone();
    const intentId = paymentIntentOf(page);
    await openAndEnterCard(page, charger, anEmail(), CARDS.threeDSecure);
    await startCharging(page);
    await challenge(page, 'Fail authentication');
    await expect
      .poll(() => page.locator('#message').textContent(), { timeout: 10_000 })
      .toContain('Nothing has been taken from your card.');
    expect(page.url()).toContain(`/c/${charger.chargerId}`);
    const pi = await platformStripe(platform).paymentIntents.retrieve(await intentId);
    expect(pi).toMatchObject({ status: 'requires_payment_method', amount_capturable: 0 });
    expect(charger.starts).toEqual([]);
  });

  it('back from a 3-D Secure redirect: the Transaction URL page confirms the hold itself', async () => {
    const charger = await aCharger();
    const begun = await fetch(`${httpUrl}/api/drive/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chargerId: charger.chargerId, connectorId: 1, email: anEmail() }),
    });
    const session = (await begun.json()) as { clientSecret: string; transactionUrl: string };
    const intentId = session.clientSecret.split('_secret_')[0] ?? '';
    const stripe = platformStripe(platform);
    // The webhook (amount_capturable_updated) would also start the session; with it late (here:
    // the platform's endpoints disabled), only the page can.
    const endpoints = (await stripe.webhookEndpoints.list({ limit: 100 })).data.filter((e) =>
      e.url.startsWith(httpUrl),
    );
    const setDisabled = (disabled: boolean) =>
      Promise.all(endpoints.map((e) => stripe.webhookEndpoints.update(e.id, { disabled })));
    await setDisabled(true);
    try {
      // What a bank's redirect flow does: confirm with a return_url, authenticate, come back.
      const confirmed = await stripe.paymentIntents.confirm(intentId, {
        payment_method: 'pm_card_threeDSecure2Required',
        return_url: session.transactionUrl,
      });
      expect(confirmed.status).toBe('requires_action');
      const authenticated = await fetch(`${stripeUrl}/_emulator/payment_intents/${intentId}/authenticate`, {
        method: 'POST',
      });
      expect(authenticated.status).toBe(200);
      expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('requires_capture');
      const before = await fetch(`${session.transactionUrl}/status`);
      expect(((await before.json()) as { status: string }).status).toBe('awaiting-payment');

      const { page } = await aPhone();
      const confirms: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/confirm')) confirms.push(r.url());
      });
      await page.goto(`${session.transactionUrl}?payment_intent=${intentId}&redirect_status=succeeded`);
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toBe('Charging');
      expect(charger.starts).toHaveLength(1);
      // Once on load; the answer moved the session on, so no further confirm.
      expect(confirms).toHaveLength(1);
    } finally {
      await setDisabled(false);
    }
  });

  it('cancel before the car starts: cancelled at once, the hold released, a cancellation email', async () => {
    const charger = await aCharger({ startsTransaction: false });
    const email = anEmail();
    const { page } = await aPhone();
    const intentId = paymentIntentOf(page);
    await openAndEnterCard(page, charger, email, CARDS.visa);
    await startCharging(page);
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    expect(await statusText(page)).toBe('Waiting for the car');
    expect(charger.starts).toHaveLength(1);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Cancelled');
    expect(await page.locator('#status-detail').textContent()).toBe('You cancelled before charging started.');
    await shot(page, 'cancelled');
    const pi = await platformStripe(platform).paymentIntents.retrieve(await intentId);
    expect(pi).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    await expect
      .poll(async () => (await mailTo(email)).map((m) => m.subject), { timeout: 10_000 })
      .toContain('Charging cancelled: hold of £30.00 released');
  });

  it('no StartTransaction within the start timeout: the page shows cancelled with the reason', async () => {
    const charger = await aCharger({ startsTransaction: false });
    const email = anEmail();
    const { page } = await aPhone();
    const intentId = paymentIntentOf(page);
    await openAndEnterCard(page, charger, email, CARDS.visa);
    await startCharging(page);
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    expect(await statusText(page)).toBe('Waiting for the car');
    // The test platform's START_TIMEOUT_SECONDS is 8 and its sweeper runs every second.
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toBe('Cancelled');
    expect(await page.locator('#status-detail').textContent()).toBe(
      'Charging did not start in time, so the session was cancelled.',
    );
    await shot(page, 'no-start-timeout');
    const pi = await platformStripe(platform).paymentIntents.retrieve(await intentId);
    expect(pi).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    await expect
      .poll(async () => (await mailTo(email)).map((m) => m.subject), { timeout: 10_000 })
      .toContain('Charging cancelled: hold of £30.00 released');
  });

  it('late final readings: pending while queued readings arrive after StopTransaction, then the final charge', async () => {
    const charger = await aCharger({ tariff: energyTariff });
    const { page } = await aPhone();
    await openAndEnterCard(page, charger, anEmail(), CARDS.visa);
    await startCharging(page);
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Charging');
    // The charger stops by itself (the driver unplugged) while its link is down: StopTransaction
    // first, then a reading it had queued from before the stop, inside the settle window.
    const transactionId = charger.transactions.at(-1);
    const stopAt = Date.now();
    await charger.client.call('StopTransaction', {
      transactionId,
      meterStop: 3200,
      timestamp: new Date(stopAt).toISOString(),
      reason: 'EVDisconnected',
    });
    await charger.client.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: new Date(stopAt - 500).toISOString(),
          sampledValue: [{ value: '3100', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        },
      ],
    });
    charger.meterWh = 3200;
    await lateReadingsUntilPending(page, charger, stopAt - 400);
    await shot(page, 'late-readings-pending');
    // 2.2 kWh × 45.5p = £1.00 + 20% VAT = £1.20.
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toBe('Completed');
    expect(await page.locator('#total').textContent()).toBe('£1.20');
    expect(await page.locator('#energy').textContent()).toContain('2.2');
  });

  it('a wrong or truncated token: a plain 404 page that gives no hint', async () => {
    const charger = await aCharger();
    const begun = await fetch(`${httpUrl}/api/drive/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chargerId: charger.chargerId, connectorId: 1, email: anEmail() }),
    });
    const { token } = (await begun.json()) as { token: string };
    const { page } = await aPhone();
    const wrong = await page.goto(`${httpUrl}/t/${token.slice(0, -2)}xy`);
    expect(wrong?.status()).toBe(404);
    const wrongText = await page.locator('body').innerText();
    await shot(page, 'wrong-token');
    const truncated = await page.goto(`${httpUrl}/t/${token.slice(0, 12)}`);
    expect(truncated?.status()).toBe(404);
    expect(await page.locator('body').innerText()).toBe(wrongText);
    expect(wrongText).not.toContain(charger.chargerId);
    expect(wrongText).not.toMatch(/expired|invalid|session|token/i);
  });
});
