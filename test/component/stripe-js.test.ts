/**
 * The emulator's Stripe.js subset in real headless Chromium: a page on another origin, whose CSP names
 * only the emulator, loads `{emulator}/v3/`, mounts the Payment Element, and confirms a manual-capture
 * PaymentIntent created server-side through the real `stripe` SDK. The card is typed into the
 * emulator's frame by keyboard; the page only ever sees the outcome.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { launchChromium } from '../fixtures/stripe/browser.js';
import {
  EMULATOR_PUBLISHABLE_KEY,
  startWebhookReceiver,
  stripeClient,
  type WebhookReceiver,
} from '../fixtures/stripe/emulator.js';

const HOLD_MINOR = 3000;

/** The merchant page's own script: what the driver's start page does with Stripe.js. */
const PAGE_JS = `
const { pk, clientSecret } = document.body.dataset;
const result = document.getElementById('result');
const show = (value) => { result.textContent = JSON.stringify(value); };
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.blockedURI));
let stripe;
try {
  stripe = Stripe(pk);
} catch (error) {
  show({ thrown: error.name, message: error.message });
}
if (stripe) {
  const elements = stripe.elements({ clientSecret, appearance: { theme: 'stripe' } });
  const payment = elements.create('payment');
  payment.on('change', (event) => { document.body.dataset.complete = String(event.complete); });
  payment.mount('#payment-element');
  document.getElementById('pay').addEventListener('click', async () => {
    const { error, paymentIntent } = await stripe.confirmPayment({
      elements,
      confirmParams: { return_url: location.href, receipt_email: 'driver@example.com' },
      redirect: 'if_required',
    });
    show(error
      ? { violations, error: { type: error.type, code: error.code, decline_code: error.decline_code, message: error.message } }
      : { violations, status: paymentIntent.status, id: paymentIntent.id });
  });
}
`;

interface PageOutcome {
  violations?: string[];
  thrown?: string;
  status?: string;
  error?: { type: string; code?: string; decline_code?: string; message: string };
}

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
let pages: http.Server;
let pagesUrl: string;
let browser: Browser;

/** A throwaway merchant server: each GET /pay creates a manual-capture intent and renders the page. */
function startPageServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages.invalid');
    if (url.pathname === '/page.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(PAGE_JS);
      return;
    }
    if (url.pathname !== '/pay') {
      res.writeHead(404).end();
      return;
    }
    stripe.paymentIntents
      .create({
        amount: HOLD_MINOR,
        currency: 'gbp',
        capture_method: 'manual',
        metadata: { test: 'stripe-js' },
      })
      .then((pi) => {
        const pk = url.searchParams.get('pk') ?? EMULATOR_PUBLISHABLE_KEY;
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': [
            "default-src 'none'",
            `script-src 'self' ${emulator.url}`,
            `frame-src ${emulator.url}`,
            `connect-src ${emulator.url}`,
            "style-src 'unsafe-inline'",
          ].join('; '),
        });
        res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay</title>
<script src="${emulator.url}/v3/"></script></head>
<body data-pk="${pk}" data-client-secret="${pi.client_secret}" data-intent="${pi.id}">
<div id="payment-element"></div><button id="pay" type="button">Pay</button><output id="result"></output>
<script src="/page.js"></script></body></html>`);
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = stripeClient(emulator);
  receiver = await startWebhookReceiver();
  await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
  pages = await startPageServer();
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  pages?.closeAllConnections();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  await receiver?.close();
  await emulator?.stop();
});

const CARDS = {
  visa: '4242 4242 4242 4242',
  threeDSecure: '4000 0027 6000 3184',
  genericDecline: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
};

async function openPage(pk?: string): Promise<{ page: Page; intentId: string }> {
  const page = await browser.newPage();
  await page.goto(`${pagesUrl}/pay${pk ? `?pk=${encodeURIComponent(pk)}` : ''}`);
  const intentId = (await page.locator('body').getAttribute('data-intent')) ?? '';
  return { page, intentId };
}

/** Types the card by keyboard (Tab between the labelled fields) and presses Pay. */
async function enterCardAndPay(page: Page, number: string): Promise<void> {
  const card = page.frameLocator('iframe[title="Secure payment input frame"]');
  await card.getByLabel('Card number').focus();
  await page.keyboard.type(number);
  await page.keyboard.press('Tab');
  await page.keyboard.type('1234');
  await page.keyboard.press('Tab');
  await page.keyboard.type('123');
  await expect.poll(() => page.locator('body').getAttribute('data-complete')).toBe('true');
  await page.getByRole('button', { name: 'Pay' }).click();
}

async function outcome(page: Page): Promise<PageOutcome> {
  await expect.poll(() => page.locator('#result').textContent()).not.toBe('');
  return JSON.parse((await page.locator('#result').textContent()) ?? '') as PageOutcome;
}

/** Webhook event types delivered for one intent, in delivery order. */
async function eventTypesFor(intentId: string): Promise<string[]> {
  await emulator.flushWebhooks();
  return receiver.received
    .map((w) => JSON.parse(w.rawBody) as { type: string; data: { object: { id: string } } })
    .filter((e) => e.data.object.id === intentId)
    .map((e) => e.type);
}

async function challengeButton(page: Page, name: string) {
  const challenge = page.frameLocator('iframe[title="3D Secure authentication"]');
  await page.getByRole('dialog', { name: '3D Secure authentication' }).waitFor();
  await challenge.getByRole('button', { name }).click();
}

describe('Stripe.js subset served by the emulator', () => {
  it('serves the script at /v3/ as JavaScript', async () => {
    const response = await fetch(`${emulator.url}/v3/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(await response.text()).toContain('window.Stripe = Stripe');
  });

  it('authorises 4242 to requires_capture, with the hold and its webhook', async () => {
    const { page, intentId } = await openPage();
    await enterCardAndPay(page, CARDS.visa);
    expect(await outcome(page)).toEqual({ violations: [], status: 'requires_capture', id: intentId });
    const pi = await stripe.paymentIntents.retrieve(intentId);
    expect(pi.amount_capturable).toBe(HOLD_MINOR);
    expect(pi.receipt_email).toBe('driver@example.com');
    expect(await eventTypesFor(intentId)).toContain('payment_intent.amount_capturable_updated');
    await page.close();
  });

  it('completes a 3-D Secure challenge in a modal, then holds the amount', async () => {
    const { page, intentId } = await openPage();
    await enterCardAndPay(page, CARDS.threeDSecure);
    await challengeButton(page, 'Complete authentication');
    expect(await outcome(page)).toMatchObject({ violations: [], status: 'requires_capture' });
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await stripe.paymentIntents.retrieve(intentId)).amount_capturable).toBe(HOLD_MINOR);
    const types = await eventTypesFor(intentId);
    expect(types).toContain('payment_intent.requires_action');
    expect(types).toContain('payment_intent.amount_capturable_updated');
    await page.close();
  });

  it('resolves a failed 3-D Secure challenge with an error and holds nothing', async () => {
    const { page, intentId } = await openPage();
    await enterCardAndPay(page, CARDS.threeDSecure);
    await challengeButton(page, 'Fail authentication');
    const result = await outcome(page);
    expect(result.error).toMatchObject({ code: 'payment_intent_authentication_failure' });
    const pi = await stripe.paymentIntents.retrieve(intentId);
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.amount_capturable).toBe(0);
    expect(await eventTypesFor(intentId)).toContain('payment_intent.payment_failed');
    await page.close();
  });

  it.each([
    ['generic decline', CARDS.genericDecline, 'generic_decline', 'Your card was declined.'],
    [
      'insufficient funds',
      CARDS.insufficientFunds,
      'insufficient_funds',
      'Your card has insufficient funds.',
    ],
  ])('%s: resolves with Stripe’s error and holds nothing', async (_name, number, declineCode, message) => {
    const { page, intentId } = await openPage();
    await enterCardAndPay(page, number);
    expect((await outcome(page)).error).toEqual({
      type: 'card_error',
      code: 'card_declined',
      decline_code: declineCode,
      message,
    });
    const pi = await stripe.paymentIntents.retrieve(intentId);
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.amount_capturable).toBe(0);
    expect(pi.last_payment_error?.decline_code).toBe(declineCode);
    expect(await eventTypesFor(intentId)).toContain('payment_intent.payment_failed');
    await page.close();
  });

  it('rejects a publishable key the emulator did not issue, and the intent stays unconfirmed', async () => {
    const { page, intentId } = await openPage('pk_test_notIssuedByTheEmulator');
    await enterCardAndPay(page, CARDS.visa);
    const result = await outcome(page);
    expect(result.error?.type).toBe('invalid_request_error');
    expect(result.error?.message).toContain('Invalid API Key provided');
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('requires_payment_method');
    await page.close();
  });

  it('refuses a secret key in Stripe() as Stripe.js does', async () => {
    const { page } = await openPage('sk_test_emulator');
    expect(await outcome(page)).toMatchObject({ thrown: 'IntegrationError' });
    await page.close();
  });
});
