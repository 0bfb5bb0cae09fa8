/**
 * `npm run bench:ocpp -- [chargers=1000] [rate=100] [seconds=30]`
 *
 * Starts the embedded platform (DynamoDB Local, the WebSocket gateway emulator, the real OCPP
 * handlers), registers N bench chargers, and forks a separate load process (test/bench/ocpp-load.ts)
 * that connects them all, starts a transaction on each, and sends MeterValues at `rate` msg/s in
 * total. Then the same load against a bare ocpp-rpc RPCServer that only answers: the floor.
 * Targets: 1,000 chargers connected; MeterValues p99 ≤ 150 ms at 100 msg/s.
 */
// The AWS SDK warns once per process that Node 20 support ends in 2027; that is known (README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { RPCServer } from 'ocpp-rpc';
import { RANDOM_PORTS, startPlatform } from '../../local/platform.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi1, keys } from '../../shared/adapters/dynamodb/keys.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import type { Charger, Operator } from '../../shared/domain/entities.js';
import type { LoadConfig, LoadResult } from './ocpp-load.js';

const CHARGERS = Number(process.argv[2] ?? 1000);
const RATE = Number(process.argv[3] ?? 100);
const SECONDS = Number(process.argv[4] ?? 30);
const OPERATOR_ID = 'op-bench';
const PASSWORD = 'bench-charger-password';
const identities = Array.from({ length: CHARGERS }, (_, i) => `BENCH-${String(i + 1).padStart(5, '0')}`);

function runLoadProcess(cfg: LoadConfig): Promise<LoadResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(resolve(import.meta.dirname, 'ocpp-load.ts'), [], {
      // tsx's loader by absolute URL, so resolution does not depend on the working directory
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (result) => resolvePromise(result as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load process exited with ${code}`));
    });
    child.send(cfg);
  });
}

async function registerChargers(endpoint: string, tableName: string): Promise<void> {
  const doc = createDocumentClient({ region: 'local', endpoint });
  const operator: Operator = {
    operatorId: OPERATOR_ID,
    name: 'Bench',
    currency: 'GBP',
    contactEmail: 'bench@example.com',
    allowPendingChargers: false,
    allowFreeUse: true,
    preAuthAmountMinor: 0,
    createdAt: new Date().toISOString(),
  };
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.operator(OPERATOR_ID), entity: 'operator', ...operator },
    }),
  );
  // scrypt is deliberately slow: one hash serves every bench charger (each connect still verifies it).
  const passwordHash = await hashPassword(PASSWORD);
  for (let i = 0; i < identities.length; i += 25) {
    const batch = identities.slice(i, i + 25).map((chargerId) => {
      const charger: Charger = {
        chargerId,
        operatorId: OPERATOR_ID,
        passwordHash,
        registration: 'active',
        accessMode: 'public',
        paid: false,
        createdAt: operator.createdAt,
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
    let pending: typeof batch = batch;
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] as typeof batch | undefined) ?? [];
    }
  }
  doc.destroy();
}

async function floorServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: false });
  server.auth((accept) => accept());
  let tx = 0;
  server.on('client', (client) => {
    client.handle('BootNotification', async () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 300,
    }));
    client.handle('StartTransaction', async () => ({
      idTagInfo: { status: 'Accepted' },
      transactionId: ++tx,
    }));
    client.handle('MeterValues', async () => ({}));
  });
  const http = await server.listen(0, '127.0.0.1');
  const address = http.address() as { port: number };
  return { url: `ws://127.0.0.1:${address.port}/ocpp`, close: () => server.close({ force: true }) };
}

const row = (r: LoadResult) =>
  `${r.label.padEnd(10)} connected ${String(r.connected).padStart(5)} (open at end ${r.openAtEnd}, connect+boot+start ${r.connectSeconds.toFixed(1)} s)  ` +
  `MeterValues ${r.answered}/${r.sent} at ${r.achievedPerSecond.toFixed(1)}/s  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  max ${r.maxMs.toFixed(1)} ms  errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`;

async function main() {
  console.log(`bench:ocpp — ${CHARGERS} chargers, MeterValues at ${RATE}/s for ${SECONDS} s`);
  // Everything (platform, DynamoDB Local, load process) shares this machine: say how busy it was.
  const load = () => `load average ${loadavg()[0]?.toFixed(2)} on ${cpus().length} CPUs`;
  console.log(`start: ${load()}`);
  const platform = await startPlatform({
    inMemory: true,
    seed: false,
    ports: RANDOM_PORTS,
    logLevel: 'SILENT',
    scheduleIntervalMs: 60_000,
  });
  let measured: LoadResult;
  try {
    await registerChargers(platform.endpoints.dynamoEndpoint, platform.tableName);
    measured = await runLoadProcess({
      url: platform.endpoints.ocppUrl,
      identities,
      password: PASSWORD,
      ratePerSecond: RATE,
      durationSeconds: SECONDS,
      connectConcurrency: 50,
      label: 'platform',
    });
  } finally {
    await platform.stop();
  }
  console.log(row(measured));
  console.log(`after the platform run: ${load()}`);

  const floor = await floorServer();
  let bare: LoadResult;
  try {
    bare = await runLoadProcess({
      url: floor.url,
      identities,
      password: null,
      ratePerSecond: RATE,
      durationSeconds: SECONDS,
      connectConcurrency: 50,
      label: 'floor',
    });
  } finally {
    await floor.close();
  }
  console.log(row(bare));
  console.log(
    `ratio platform/floor: p50 ${(measured.p50Ms / bare.p50Ms).toFixed(1)}×  p99 ${(measured.p99Ms / bare.p99Ms).toFixed(1)}×`,
  );
  const ok = measured.connected >= 1000 || measured.connected === CHARGERS;
  console.log(
    `targets: ${CHARGERS} chargers connected: ${ok && measured.openAtEnd === CHARGERS ? 'met' : 'NOT met'}; ` +
      `p99 ≤ 150 ms at ${RATE} msg/s: ${measured.p99Ms <= 150 && measured.errors === 0 ? 'met' : 'NOT met'}`,
  );
}

await main();
process.exit(0);
