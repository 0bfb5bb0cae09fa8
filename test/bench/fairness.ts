/**
 * `npm run bench:fairness -- [others=100] [seconds=20] [floodPerSecond=800]`
 *
 * Issue 9, finding 6: one charger's flood must not starve the others. Starts the embedded platform
 * (DynamoDB Local, the gateway emulator, the real OCPP handlers), registers `others` + 1 chargers,
 * and runs twice:
 * - quiet: the others each send MeterValues at 1/s for `seconds` s;
 * - flood: the same, while one more charger sends Heartbeats at `floodPerSecond` without waiting
 *   for answers (the probe's flood was 2,000 in 2.5 s).
 * The others and the flooder are separate processes, so neither shares an event loop with the
 * platform or with each other. Prints the others' p50/p95/p99 in both runs, the ratio, the flood's
 * fate (answered, refused by the rate limit) and the load average. Target: flood p99 ≤ 2× quiet p99.
 */
// The AWS SDK warns once per process that Node 20 support ends in 2027; that is known (README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { RANDOM_PORTS, startPlatform } from '../../local/platform.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi1, keys } from '../../shared/adapters/dynamodb/keys.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import type { Charger, Operator } from '../../shared/domain/entities.js';

const OPERATOR_ID = 'op-fairness';
const PASSWORD = 'fairness-charger-password';
const FLOODER_ID = 'FAIR-FLOOD';
/** Each of the others sends one MeterValues per this many ms. */
const OTHERS_INTERVAL_MS = 1000;

interface OthersJob {
  role: 'others';
  url: string;
  identities: string[];
  seconds: number;
}
interface FloodJob {
  role: 'flood';
  url: string;
  identity: string;
  seconds: number;
  perSecond: number;
}
type Job = OthersJob | FloodJob;

interface OthersResult {
  connected: number;
  sent: number;
  answered: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface FloodResult {
  sent: number;
  answered: number;
  refusedRateLimit: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** The others: connect, boot, start a transaction, then one MeterValues each per second, staggered. */
async function runOthers(job: OthersJob): Promise<OthersResult> {
  let errors = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  };
  const live: { client: RPCClient; tx: number }[] = [];
  await Promise.all(
    job.identities.map(async (identity) => {
      const client = new RPCClient({
        endpoint: job.url,
        identity,
        protocols: ['ocpp1.6'],
        strictMode: false,
        password: PASSWORD,
        reconnect: false,
        callTimeoutMs: 30_000,
      } as ConstructorParameters<typeof RPCClient>[0]);
      try {
        await client.connect();
        await client.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Fair-1' });
        const started = (await client.call('StartTransaction', {
          connectorId: 1,
          idTag: 'BENCH',
          meterStart: 0,
          timestamp: new Date().toISOString(),
        })) as { transactionId: number };
        live.push({ client, tx: started.transactionId });
      } catch (err) {
        fail(err);
      }
    }),
  );
  process.send?.({ ready: true });

  const rtts: number[] = [];
  let sent = 0;
  await Promise.all(
    live.map(async ({ client, tx }, i) => {
      // Staggered over the first second so the 100 chargers do not all send in the same tick.
      await new Promise((r) => setTimeout(r, (i * OTHERS_INTERVAL_MS) / live.length));
      const rounds = Math.round((job.seconds * 1000) / OTHERS_INTERVAL_MS);
      const t0 = performance.now();
      for (let n = 0; n < rounds; n++) {
        const wait = t0 + n * OTHERS_INTERVAL_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent++;
        const s = performance.now();
        try {
          await client.call('MeterValues', {
            connectorId: 1,
            transactionId: tx,
            meterValue: [
              {
                timestamp: new Date().toISOString(),
                sampledValue: [
                  { value: String((n + 1) * 100), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                ],
              },
            ],
          });
          rtts.push(performance.now() - s);
        } catch (err) {
          fail(err);
        }
      }
    }),
  );
  await Promise.all(live.map(({ client }) => client.close({ force: true }).catch(() => {})));
  rtts.sort((a, b) => a - b);
  return {
    connected: live.length,
    sent,
    answered: rtts.length,
    errors,
    ...(firstError ? { firstError } : {}),
    p50Ms: percentile(rtts, 50),
    p95Ms: percentile(rtts, 95),
    p99Ms: percentile(rtts, 99),
    maxMs: rtts[rtts.length - 1] ?? 0,
  };
}

/** The flooder: a raw socket that sends Heartbeats at a fixed rate and never waits for an answer. */
async function runFlood(job: FloodJob): Promise<FloodResult> {
  const ws = new WebSocket(`${job.url}/${job.identity}`, ['ocpp1.6'], {
    headers: { Authorization: `Basic ${Buffer.from(`${job.identity}:${PASSWORD}`).toString('base64')}` },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const result: FloodResult = { sent: 0, answered: 0, refusedRateLimit: 0 };
  ws.on('message', (m) => {
    const frame = JSON.parse(m.toString()) as unknown[];
    if (frame[0] === 4 && frame[3] === 'rate limit') result.refusedRateLimit++;
    else result.answered++;
  });
  const total = job.perSecond * job.seconds;
  const t0 = performance.now();
  while (result.sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * job.perSecond));
    while (result.sent < due) ws.send(JSON.stringify([2, `hb-${result.sent++}`, 'Heartbeat', {}]));
    await new Promise((r) => setTimeout(r, 5));
  }
  // Answers still on their way get a moment; the figure is informative, not a target.
  await new Promise((r) => setTimeout(r, 1000));
  ws.terminate();
  return result;
}

function runChild<T>(job: Job, onReady?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--child'], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (msg) => {
      if ((msg as { ready?: boolean }).ready) onReady?.();
      else resolve(msg as T);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${job.role} process exited with ${code}`));
    });
    child.send(job);
  });
}

async function registerChargers(endpoint: string, tableName: string, identities: string[]): Promise<void> {
  const doc = createDocumentClient({ region: 'local', endpoint });
  const createdAt = new Date().toISOString();
  const operator: Operator = {
    operatorId: OPERATOR_ID,
    name: 'Fairness bench',
    currency: 'GBP',
    contactEmail: 'bench@example.com',
    allowPendingChargers: false,
    allowFreeUse: true,
    preAuthAmountMinor: 0,
    createdAt,
  };
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.operator(OPERATOR_ID), entity: 'operator', ...operator },
    }),
  );
  // scrypt is deliberately slow: one hash serves every bench charger.
  const passwordHash = await hashPassword(PASSWORD);
  for (let i = 0; i < identities.length; i += 25) {
    let pending = identities.slice(i, i + 25).map((chargerId) => {
      const charger: Charger = {
        chargerId,
        operatorId: OPERATOR_ID,
        passwordHash,
        registration: 'active',
        accessMode: 'public',
        paid: false,
        createdAt,
      };
      return {
        PutRequest: {
          Item: {
            ...keys.charger(chargerId),
            ...gsi1.chargerOfOperator(OPERATOR_ID, chargerId),
            entity: 'charger',
            ...charger,
          },
        },
      };
    });
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] as typeof pending | undefined) ?? [];
    }
  }
  doc.destroy();
}

const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;
const row = (label: string, r: OthersResult) =>
  `${label.padEnd(6)} others: ${r.connected} connected, MeterValues ${r.answered}/${r.sent}  ` +
  `p50 ${r.p50Ms.toFixed(1)} ms  p95 ${r.p95Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  max ${r.maxMs.toFixed(1)} ms  ` +
  `errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`;

async function main(): Promise<void> {
  const othersCount = Number(process.argv[2] ?? 100);
  const seconds = Number(process.argv[3] ?? 20);
  const floodPerSecond = Number(process.argv[4] ?? 800);
  const others = Array.from({ length: othersCount }, (_, i) => `FAIR-${String(i + 1).padStart(4, '0')}`);
  console.log(
    `bench:fairness — ${othersCount} chargers sending MeterValues at 1/s for ${seconds} s; ` +
      `flood: one charger sending Heartbeats at ${floodPerSecond}/s`,
  );
  console.log(`start: ${load()}`);
  const platform = await startPlatform({
    inMemory: true,
    seed: false,
    ports: RANDOM_PORTS,
    logLevel: 'SILENT',
    scheduleIntervalMs: 60_000,
  });
  const url = platform.endpoints.ocppUrl;
  let quiet: OthersResult;
  let flooded: OthersResult;
  let flood: FloodResult;
  try {
    await registerChargers(platform.endpoints.dynamoEndpoint, platform.tableName, [...others, FLOODER_ID]);
    quiet = await runChild<OthersResult>({ role: 'others', url, identities: others, seconds });
    console.log(row('quiet', quiet));
    console.log(`after the quiet run: ${load()}`);

    // The flood starts once the others are connected and in a transaction, and lasts as long as
    // their MeterValues do.
    let floodDone: Promise<FloodResult> | undefined;
    flooded = await runChild<OthersResult>({ role: 'others', url, identities: others, seconds }, () => {
      floodDone = runChild<FloodResult>({
        role: 'flood',
        url,
        identity: FLOODER_ID,
        seconds,
        perSecond: floodPerSecond,
      });
    });
    flood = await (floodDone as Promise<FloodResult>);
    console.log(row('flood', flooded));
    console.log(
      `flooder: ${flood.sent} Heartbeats sent, ${flood.answered} answered, ${flood.refusedRateLimit} refused (rate limit)`,
    );
    console.log(`after the flood run: ${load()}`);
  } finally {
    await platform.stop();
  }
  const ratio = flooded.p99Ms / quiet.p99Ms;
  console.log(
    `ratio flood/quiet: p50 ${(flooded.p50Ms / quiet.p50Ms).toFixed(2)}×  p95 ${(flooded.p95Ms / quiet.p95Ms).toFixed(2)}×  p99 ${ratio.toFixed(2)}×`,
  );
  const complete = flooded.errors === 0 && quiet.errors === 0 && flooded.answered === flooded.sent;
  console.log(`target: flood p99 ≤ 2× quiet p99, no errors: ${ratio <= 2 && complete ? 'met' : 'NOT met'}`);
}

if (process.argv[2] === '--child') {
  process.once('message', (job: Job) => {
    const run = job.role === 'others' ? runOthers(job) : runFlood(job);
    run
      .then((result) => process.send?.(result, () => process.exit(0)))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  });
} else {
  await main();
  process.exit(0);
}
