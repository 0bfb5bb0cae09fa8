/**
 * `npm run driver:demo`: a driver's paid session against a running `npm start`, in headless
 * Chromium: the demo charger's start page, the test card 4242 in the Payment Element, the pre-auth
 * email read from the SES inbox, its Transaction URL opened in a second browser context (another
 * device), readings from the charger, Stop on that second device, the final receipt. This script
 * also plays the charger (DEMO-CP-01, a simulated OCPP 1.6 charger, as `npm run charger:demo` does).
 * Its last line is one JSON object: the PaymentIntent, the amounts in minor units and the receipt
 * kinds in the order they reached the inbox.
 *
 * The charge is captured only once the settle window after StopTransaction has passed (120 s as
 * deployed); for a quick demo start the platform with a short one:
 *
 *   npm start -- --settle-seconds 5
 *   npm run driver:demo -- [--api http://127.0.0.1:8080] [--url ws://127.0.0.1:8180/ocpp]
 *                          [--ses http://127.0.0.1:8005] [--readings 3] [--timeout-seconds 240]
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { DEMO } from './seed.js';
import { readInbox, type StoredEmail } from './ses-local.js';
import { simulatedCharger } from './simulated-charger.js';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'http://127.0.0.1:8080' },
    url: { type: 'string', default: 'ws://127.0.0.1:8180/ocpp' },
    ses: { type: 'string', default: 'http://127.0.0.1:8005' },
    readings: { type: 'string', default: '3' },
    'timeout-seconds': { type: 'string', default: '240' },
  },
});
const readings = Number(values.readings);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const say = (line: string) => console.log(`[driver] ${line}`);
const sayCharger = (line: string) => console.log(`[charger ${DEMO.chargerId}] ${line}`);

const CONNECTOR_ID = 1;
const CARD = '4242 4242 4242 4242';
/** About 7.2 kW: 2 Wh a second, a reading a second (the demo does not wait an hour). */
const WH_PER_READING = 2;

/** Receipt kinds by the subjects shared/web/receipts/model.ts gives them. */
function receiptKind(mail: StoredEmail): string {
  if (mail.subject.startsWith('Your charging receipt')) return 'transaction';
  if (mail.subject.startsWith('Charging cancelled')) return 'cancellation';
  if (/ held$/.test(mail.subject)) return 'pre-auth';
  return `other: ${mail.subject}`;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface StatusJson {
  status: string;
  paymentIntentId: string;
  preAuthAmountMinor: number;
  totals: { grossMinor: number };
  settlement?: { capturedMinor: number; releasedMinor: number };
}

async function main(): Promise<void> {
  const charger = simulatedCharger({
    ocppUrl: values.url,
    chargerId: DEMO.chargerId,
    password: DEMO.chargerPassword,
  });
  const state = { transactionId: undefined as number | undefined, meterWh: 40_000, stopped: false };
  // A charger does what it is asked in a CALL of its own, just after accepting.
  charger.handle('RemoteStartTransaction', async ({ params }) => {
    const { connectorId = CONNECTOR_ID, idTag } = params as { connectorId?: number; idTag: string };
    sayCharger(`RemoteStartTransaction for idTag ${idTag}: Accepted`);
    setTimeout(() => {
      void (async () => {
        const started = (await charger.call('StartTransaction', {
          connectorId,
          idTag,
          meterStart: state.meterWh,
          timestamp: new Date().toISOString(),
        })) as { transactionId: number };
        state.transactionId = started.transactionId;
        sayCharger(`StartTransaction: transaction ${started.transactionId}`);
      })().catch((err: unknown) => sayCharger(`StartTransaction failed: ${String(err)}`));
    }, 50);
    return { status: 'Accepted' };
  });
  charger.handle('RemoteStopTransaction', async ({ params }) => {
    const { transactionId } = params as { transactionId: number };
    if (transactionId !== state.transactionId) return { status: 'Rejected' };
    sayCharger(`RemoteStopTransaction for transaction ${transactionId}: Accepted`);
    setTimeout(() => {
      void (async () => {
        await charger.call('StopTransaction', {
          transactionId,
          meterStop: state.meterWh,
          timestamp: new Date().toISOString(),
          reason: 'Remote',
        });
        state.stopped = true;
        sayCharger(`StopTransaction at ${state.meterWh} Wh`);
      })().catch((err: unknown) => sayCharger(`StopTransaction failed: ${String(err)}`));
    }, 50);
    return { status: 'Accepted' };
  });
  await charger.connect();
  await charger.call('BootNotification', { chargePointVendor: 'Demo', chargePointModel: 'Driver demo' });
  await charger.call('StatusNotification', {
    connectorId: CONNECTOR_ID,
    errorCode: 'NoError',
    status: 'Available',
  });
  sayCharger(`connected to ${values.url}, connector ${CONNECTOR_ID} available`);

  const browser = await launchChromium();
  try {
    const email = `demo-driver-${randomUUID().slice(0, 8)}@example.com`;
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await phone.newPage();
    const startUrl = `${values.api}/c/${DEMO.chargerId}?connector=${CONNECTOR_ID}`;
    await page.goto(startUrl);
    say(`start page ${startUrl}: ${await page.locator('.hold').textContent()}`);
    await page.getByLabel('Email for your receipts').fill(email);
    await page.getByRole('button', { name: 'Continue to card details' }).click();
    const card = page.frameLocator('iframe[title="Secure payment input frame"]');
    await card.getByLabel('Card number').focus();
    await page.keyboard.type(CARD);
    await page.keyboard.press('Tab');
    await page.keyboard.type('1234');
    await page.keyboard.press('Tab');
    await page.keyboard.type('123');
    say(`email ${email}, card ${CARD} in the Payment Element; Start charging`);
    await page.getByRole('button', { name: 'Start charging' }).click();
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/, { timeout: 30_000 });
    say('card held; the start page moved on to the Transaction URL');

    const preAuth = await until('the pre-auth email', async () =>
      (await readInbox(values.ses)).find((m) => m.destination.to.includes(email)),
    );
    say(`inbox: "${preAuth.subject}"`);
    const link = preAuth.body.text?.match(/https?:\/\/\S+\/t\/[A-Za-z0-9_-]+/)?.[0];
    if (!link) throw new Error('the pre-auth email carries no Transaction URL');

    const other = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const second = await other.newPage();
    await second.goto(link);
    say('Transaction URL opened from the email in a second browser context');
    await waitForStatus(second, 'Charging', 30_000);
    await until('the StartTransaction', async () => state.transactionId);

    for (let i = 1; i <= readings; i++) {
      state.meterWh += WH_PER_READING;
      await charger.call('MeterValues', {
        connectorId: CONNECTOR_ID,
        transactionId: state.transactionId,
        meterValue: [
          {
            timestamp: new Date().toISOString(),
            sampledValue: [
              { value: String(state.meterWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
              { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
            ],
          },
        ],
      });
      sayCharger(`MeterValues ${state.meterWh} Wh`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const energy = await until(
      'the page to show the readings',
      async () => {
        const shown = await second.locator('#energy').textContent();
        return shown !== '0.000 kWh' ? shown : undefined;
      },
      30_000,
    );
    say(`second device, no reload: ${energy}, ${await second.locator('#total').textContent()} so far`);

    await second.getByRole('button', { name: 'Stop charging' }).click();
    say('Stop charging pressed on the second device');
    await until('the StopTransaction', async () => (state.stopped ? true : undefined));
    const settled = await waitForStatus(second, 'Completed', timeoutMs);
    say(
      `page: ${settled}; ${await second.locator('#captured').textContent()}; ${await second.locator('#released').textContent()}`,
    );

    const mails = await until(
      'the transaction receipt',
      async () => {
        const mine = (await readInbox(values.ses)).filter((m) => m.destination.to.includes(email));
        return mine.some((m) => receiptKind(m) === 'transaction') ? mine : undefined;
      },
      60_000,
    );
    for (const m of mails) say(`inbox: "${m.subject}"`);
    const token = new URL(link).pathname.split('/').pop() ?? '';
    const res = await fetch(`${values.api}/t/${token}/status`);
    const status = (await res.json()) as StatusJson;
    await browser.close();
    await charger.close();
    console.log(
      JSON.stringify({
        paymentIntent: status.paymentIntentId,
        preAuth: status.preAuthAmountMinor,
        charge: status.totals.grossMinor,
        captured: status.settlement?.capturedMinor ?? 0,
        refund: status.settlement?.releasedMinor ?? 0,
        receipts: mails.map(receiptKind),
      }),
    );
  } finally {
    await browser.close().catch(() => {});
    await charger.close({ force: true }).catch(() => {});
  }
}

/** Waits for the page's own polling to show `text`, printing each status it passes through. */
async function waitForStatus(page: Page, text: string, ms: number): Promise<string> {
  let last = '';
  return until(
    `"${text}" on the Transaction URL page`,
    async () => {
      const shown = (await page.locator('#status-text').textContent()) ?? '';
      if (shown !== last) {
        say(`page status: ${shown}`);
        last = shown;
      }
      return shown === text ? shown : undefined;
    },
    ms,
  );
}

main().catch((err) => {
  console.error(`[driver] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
