/**
 * The web pages in a real browser (Debian's Chromium driven by playwright-core): the driver page of
 * a charger shows its site and prices. The operator console has its own file (console.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../local/chromium.js';
import { DEMO } from '../../local/seed.js';

const { httpUrl } = inject('platform').endpoints;

const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
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
