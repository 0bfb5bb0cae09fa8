/**
 * `npm run bench:driver -- [sessions=20]`
 *
 * Starts its own embedded platform and runs N paid sessions one after another through the driver's
 * HTTP API and a simulated charger (no browser: the timings are the platform's), each on a paid
 * charger of its own (£30 hold, £12.34 flat price). Prints:
 * - pay → RemoteStart sent: from the card confirmation (what Stripe.js does, through the SDK against
 *   the emulator) until RemoteStartTransaction reaches the charger, through the page's confirm;
 * - StopTransaction → transaction receipt in the SES inbox, with the settle window excluded: the
 *   platform counts the window in whole seconds of its receive times (settle at the received
 *   second + window), so the clock starts at the later of that instant and the StopTransaction's
 *   answer. What is measured: the finaliser's schedule (every 100 ms here, every minute on
 *   EventBridge), both stream pollers, the capture through Stripe and the SES send;
 * - the page weight of the start page and the Transaction URL page: HTML plus the page's own CSS
 *   and JS (not Stripe.js), fetched over HTTP, raw and gzip.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { RANDOM_PORTS, startPlatform } from '../../local/platform.js';
import { readInbox } from '../../local/ses-local.js';
import { paidCharger, payWithCard } from '../fixtures/payments/platform.js';
import type { PlatformInfo } from '../integration/global-setup.js';

const SESSIONS = Number(process.argv[2] ?? 20);
const SETTLE_WINDOW_SECONDS = 1;

const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;

function stats(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return `${label.padEnd(58)} p50 ${at(0.5).toFixed(0).padStart(5)} ms  p95 ${at(0.95).toFixed(0).padStart(5)} ms  max ${(sorted.at(-1) ?? NaN).toFixed(0).padStart(5)} ms  (n=${sorted.length})`;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** HTML plus the same-origin stylesheets and scripts it links (Stripe.js is Stripe's, not ours). */
async function pageWeight(
  baseUrl: string,
  path: string,
): Promise<{ raw: number; gzip: number; parts: string[] }> {
  const html = await (await fetch(`${baseUrl}${path}`)).text();
  const assets = [
    ...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g),
    ...html.matchAll(/<script src="([^"]+)"/g),
  ]
    .map((m) => m[1] ?? '')
    .filter((href) => href.startsWith('/'));
  const bodies = [
    html,
    ...(await Promise.all(assets.map(async (a) => (await fetch(`${baseUrl}${a}`)).text()))),
  ];
  let raw = 0;
  let gzip = 0;
  for (const body of bodies) {
    const bytes = Buffer.from(body);
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip, parts: [path.split('?')[0] ?? path, ...assets] };
}

async function main(): Promise<void> {
  console.log(`bench:driver — ${SESSIONS} paid sessions, one after another`);
  console.log(`start: ${load()}`);
  const platform = await startPlatform({
    inMemory: true,
    seed: false,
    ports: RANDOM_PORTS,
    logLevel: 'SILENT',
    scheduleIntervalMs: 100,
    env: { SETTLE_WINDOW_SECONDS: String(SETTLE_WINDOW_SECONDS) },
  });
  const info: PlatformInfo = {
    endpoints: platform.endpoints,
    tableName: platform.tableName,
    stripeSecretKey: platform.stripeSecretKey,
    stripeWebhookSecret: platform.stripeWebhookSecrets.platform,
  };
  const { httpUrl, sesUrl } = platform.endpoints;
  const post = (path: string, body?: unknown) =>
    fetch(`${httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const payToRemoteStartMs: number[] = [];
  const stopToReceiptMs: number[] = [];
  let weights:
    | { start: Awaited<ReturnType<typeof pageWeight>>; transaction: Awaited<ReturnType<typeof pageWeight>> }
    | undefined;
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const charger = await paidCharger(info);
      try {
        const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
        const begun = (await (
          await post('/api/drive/sessions', { chargerId: charger.chargerId, connectorId: 1, email })
        ).json()) as { token: string; clientSecret: string };
        const intentId = begun.clientSecret.split('_secret_')[0] ?? '';

        const paidAt = performance.now();
        await payWithCard(info, intentId);
        const confirmed = await post(`/t/${begun.token}/confirm`);
        if (!confirmed.ok) throw new Error(`confirm answered ${confirmed.status}`);
        const remoteStartAt = await until('RemoteStartTransaction', async () => charger.startsAtMs[0]);
        payToRemoteStartMs.push(remoteStartAt - paidAt);
        const transactionId = await until('StartTransaction', async () => charger.transactions[0]);

        await charger.sendMeter(charger.meterWh + 10);
        // Wall clock, as the platform's receive times are: the window ends at a wall-clock second.
        const stopSentAtMs = Date.now();
        await charger.client.call('StopTransaction', {
          transactionId,
          meterStop: charger.meterWh,
          timestamp: new Date(stopSentAtMs).toISOString(),
          reason: 'EVDisconnected',
        });
        const stopAnsweredAtMs = Date.now();
        const windowEndsAtMs = (Math.floor(stopSentAtMs / 1000) + SETTLE_WINDOW_SECONDS) * 1000;
        await until(
          'the transaction receipt',
          async () =>
            (await readInbox(sesUrl)).find(
              (m) => m.destination.to.includes(email) && m.subject.startsWith('Your charging receipt'),
            ),
          60_000,
        );
        stopToReceiptMs.push(Date.now() - Math.max(windowEndsAtMs, stopAnsweredAtMs));

        if (!weights) {
          weights = {
            start: await pageWeight(httpUrl, `/c/${charger.chargerId}?connector=1`),
            transaction: await pageWeight(httpUrl, `/t/${begun.token}`),
          };
        }
      } finally {
        await charger.close();
      }
      // The inbox is read whole on every poll: keep it small so the poll does not grow with N.
      await fetch(`${sesUrl}/clear-store`, { method: 'POST' });
    }
  } finally {
    await platform.stop();
  }

  console.log(stats('pay → RemoteStartTransaction at the charger', payToRemoteStartMs));
  console.log(stats('StopTransaction → receipt in the inbox, settle window excluded', stopToReceiptMs));
  for (const [name, w] of Object.entries(weights ?? {})) {
    console.log(
      `page weight, ${name.padEnd(11)} ${String(w.raw).padStart(6)} B raw  ${String(w.gzip).padStart(6)} B gzip  (${w.parts.join(' + ')})`,
    );
  }
  console.log(`end: ${load()}`);
}

await main();
process.exit(0);
