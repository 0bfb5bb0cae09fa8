/**
 * The web pages in a real browser (Debian's Chromium driven by playwright-core): the operator
 * console signs in with the API key and lists the demo charger; the driver page of a charger shows
 * its site and prices.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../local/chromium.js';
import { DEMO } from '../../local/seed.js';
import { simulatedCharger } from '../../local/simulated-charger.js';

const { httpUrl, ocppUrl } = inject('platform').endpoints;

/** A short session by the demo charger: 2 kWh over 30 minutes. Returns when it started. */
async function chargeTwoKilowattHours(): Promise<string> {
  const client = simulatedCharger({ ocppUrl, chargerId: DEMO.chargerId, password: DEMO.chargerPassword });
  await client.connect();
  // Noon UTC tomorrow: later than any other test's session, so it heads the console's list, and
  // outside the demo tariff's overnight band in any season.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const t0 = Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 12, 0, 0);
  const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
  const { transactionId } = (await client.call('StartTransaction', {
    connectorId: 2,
    idTag: DEMO.idTag,
    meterStart: 500_000,
    timestamp: at(0),
  })) as { transactionId: number };
  await client.call('MeterValues', {
    connectorId: 2,
    transactionId,
    meterValue: [{ timestamp: at(15), sampledValue: [{ value: '501000', unit: 'Wh' }] }],
  });
  await client.call('StopTransaction', { transactionId, meterStop: 502_000, timestamp: at(30) });
  await client.close({ force: true });
  return at(0);
}
const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');

/** Signs in to the console as the demo operator, typing the key as a person does (never in the URL). */
async function openConsole(page: Page): Promise<void> {
  await page.goto(`${httpUrl}/console`);
  await page.locator('#key').fill(DEMO.apiKey);
  await page.getByRole('button', { name: 'Open console' }).click();
}

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('operator console', () => {
  it('asks for a key, refuses a wrong one, then lists the demo charger', async () => {
    const page = await browser.newPage();
    await page.goto(`${httpUrl}/console`);
    await page.locator('#key').fill('not-a-key');
    await page.getByRole('button', { name: 'Open console' }).click();
    await expect.poll(() => page.locator('#loginerror').textContent()).toContain('not accepted');

    await page.locator('#key').fill(DEMO.apiKey);
    await page.getByRole('button', { name: 'Open console' }).click();
    await page.locator('#chargers tr').first().waitFor();
    expect(await page.locator('#opname').textContent()).toBe(DEMO.operatorName);
    expect(await page.locator('#chargers').textContent()).toContain(DEMO.chargerId);
    await page.close();
  });

  it('takes no key from the URL: it signs nobody in and drops the key from the address bar', async () => {
    const page = await browser.newPage();
    await page.goto(`${httpUrl}/console?key=${DEMO.apiKey}`);
    await expect.poll(() => page.locator('#loginerror').textContent()).toContain('not in the address');
    expect(page.url()).toBe(`${httpUrl}/console`);
    expect(await page.locator('#app').isHidden()).toBe(true);
    // A string, run in the page: this file is compiled without the DOM's types.
    expect(await page.evaluate("localStorage.getItem('opkey')")).toBeNull();
    await page.close();
  });

  it('shows a session with its energy and its charge once the stream has priced it', async () => {
    const startedAt = await chargeTwoKilowattHours();
    const page = await browser.newPage();
    await openConsole(page);
    // 2 kWh × 45.5p = 91p + 20% = 109p; 30 min × £1.20/h = 60p + 12p; £0.50 flat: £2.31.
    const row = page.locator('#txs tr', { hasText: '2.000 kWh' }).filter({ hasText: startedAt });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('£2.31');
    await page.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });
    await page.close();
  });
});

describe('approving a charger that registered itself', () => {
  it('shows it as pending with an Approve button; after the click its next Boot is accepted', async () => {
    const prefix = `E2E${Date.now().toString(36).toUpperCase()}`;
    const chargerId = `${prefix}-01`;
    const claimed = await fetch(`${httpUrl}/api/v1/registration-prefixes/${prefix}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });
    expect(claimed.status).toBe(200);
    const client = simulatedCharger({ ocppUrl, chargerId, password: 'self-registered-secret' });
    await client.connect();
    const boot = () =>
      client.call('BootNotification', { chargePointVendor: 'E2E', chargePointModel: 'Pending' });
    expect(await boot()).toMatchObject({ status: 'Pending' });

    const page = await browser.newPage();
    await openConsole(page);
    const row = page.locator('#chargers tr', { hasText: chargerId });
    await expect.poll(() => row.textContent()).toContain('pending');
    await row.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => row.textContent()).toContain('active');
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.close();

    expect(await boot()).toMatchObject({ status: 'Accepted' });
    await client.close({ force: true });
  });
});

describe('driver page', () => {
  it('shows the site, the charger and its prices', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const res = await page.goto(`${httpUrl}/c/${DEMO.chargerId}`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toContain('The Demo Arms');
    const prices = await page.locator('li').allTextContents();
    expect(prices).toContain('Energy: £0.455 per kWh, + 20% VAT');
    expect(prices).toContain('Session fee: £0.50 per session, no VAT');
    await page.screenshot({ path: join(SHOTS, 'driver.png'), fullPage: true });
    await page.close();
  });

  it('answers an unknown charger with a readable 404 page', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${httpUrl}/c/NO-SUCH-CHARGER`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    await page.close();
  });
});
