/**
 * `npx tsx test/bench/ocpp-cpu.ts [messages]`: CPU per MeterValues through the real $default
 * handler body (frame parsing, schema validation, use case, repository) and DynamoDB writes per
 * MeterValues.
 *
 * 1. In-memory adapters: the handler's own CPU (process.cpuUsage over N messages, default 20,000).
 * 2. DynamoDB Local: the same handler over the DynamoDB adapters, with every write the SDK sends
 *    counted by a client middleware, and the CPU this process spends (handler + AWS SDK; DynamoDB
 *    Local runs in its own Java process and is not counted).
 * Targets: ≤ 0.5 ms handler CPU per MeterValues; ≤ 1 DynamoDB write per MeterValues.
 */
// The AWS SDK warns once per process that Node 20 support ends in 2027; that is known (README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { resolve } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ensurePlatformTable, startDynamoLocal } from '../../local/dynamodb-local.js';
import type { WebSocketEvent } from '../../shared/adapters/apigw/websocket-events.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import type { OcppDeps } from '../../shared/app/ocpp/deps.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import { createMessageHandler } from '../../shared/lambda/ocpp-handlers.js';
import { silentLog } from '../../shared/ports/log.js';
import { aCharger, anOperator, CHARGER_ID, OPERATOR_ID } from '../fixtures/ocpp/builders.js';
import { countDynamoWrites } from '../fixtures/ocpp/dynamo.js';
import { createMemoryOcppDeps } from '../fixtures/ocpp/memory-ocpp-deps.js';

const N = Number(process.argv[2] ?? 20_000);
const N_DYNAMO = Math.min(N, 2_000);
const ROOT = resolve(import.meta.dirname, '../..');

function event(body: string): WebSocketEvent {
  return {
    requestContext: {
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: 'bench-conn',
      domainName: 'bench.local',
      stage: 'ocpp',
      authorizer: {
        chargerId: CHARGER_ID,
        operatorId: OPERATOR_ID,
        registration: 'active',
        protocol: 'ocpp1.6',
      },
    },
    body,
    isBase64Encoded: false,
  };
}

/** A realistic 1.6 MeterValues: energy register, power, current and voltage on three phases. */
function meterValuesFrame(i: number, transactionId: number): string {
  const timestamp = new Date(Date.UTC(2026, 10, 1, 9, 0, 0) + i * 60_000).toISOString();
  const sampledValue = [
    {
      value: String(1000 + i * 120),
      context: 'Sample.Periodic',
      measurand: 'Energy.Active.Import.Register',
      unit: 'Wh',
      location: 'Outlet',
    },
    {
      value: '7200',
      context: 'Sample.Periodic',
      measurand: 'Power.Active.Import',
      unit: 'W',
      location: 'Outlet',
    },
    ...['L1', 'L2', 'L3'].flatMap((phase) => [
      { value: '10.4', context: 'Sample.Periodic', measurand: 'Current.Import', unit: 'A', phase },
      { value: '230.1', context: 'Sample.Periodic', measurand: 'Voltage', unit: 'V', phase: `${phase}-N` },
    ]),
  ];
  return JSON.stringify([
    2,
    `mv-${i}`,
    'MeterValues',
    { connectorId: 1, transactionId, meterValue: [{ timestamp, sampledValue }] },
  ]);
}

async function run(
  deps: OcppDeps,
  count: number,
  offset: number,
  onMeasureStart: () => void,
): Promise<{ cpuMs: number; wallMs: number }> {
  const handler = createMessageHandler(() => deps);
  const start = await handler(
    event(
      JSON.stringify([
        2,
        `start-${offset}`,
        'StartTransaction',
        {
          connectorId: 1,
          idTag: 'TAG-1',
          meterStart: 0,
          timestamp: new Date(Date.UTC(2026, 10, 1, 8, 0, offset)).toISOString(),
        },
      ]),
    ),
  );
  const txId = (JSON.parse(start.body ?? '[]') as [number, string, { transactionId: number }])[2]
    .transactionId;
  const frames = Array.from({ length: count }, (_, i) => meterValuesFrame(offset + i, txId));
  // warm-up: JIT, Ajv schema compilation, SDK clients
  for (let i = 0; i < Math.min(200, count); i++)
    await handler(event(meterValuesFrame(10_000_000 + offset + i, txId)));
  onMeasureStart();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of frames) {
    const reply = await handler(event(f));
    if (!reply.body?.startsWith('[3,')) throw new Error(`unexpected reply ${reply.body}`);
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

const fmt = (n: number, d = 3) => n.toFixed(d);

async function main() {
  // 1. in-memory
  const m = createMemoryOcppDeps();
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger());
  let writes0 = 0;
  const mem = await run(m.deps, N, 0, () => {
    writes0 = m.store.writes;
  });
  const memWrites = m.store.writes - writes0;
  console.log(`in-memory adapters: ${N} MeterValues`);
  console.log(`  handler CPU per MeterValues: ${fmt(mem.cpuMs / N)} ms (target ≤ 0.5 ms)`);
  console.log(`  wall per MeterValues:        ${fmt(mem.wallMs / N)} ms`);
  console.log(`  store writes per MeterValues: ${fmt(memWrites / N, 2)}`);

  // 2. DynamoDB Local
  const dynamo = await startDynamoLocal({ cacheDir: resolve(ROOT, '.cache'), port: 0, inMemory: true });
  try {
    const tableName = 'ocpp-cpu-bench';
    await ensurePlatformTable(dynamo.endpoint, tableName);
    const doc = createDocumentClient({ region: 'local', endpoint: dynamo.endpoint });
    await doc.send(
      new PutCommand({ TableName: tableName, Item: { ...keys.operator(OPERATOR_ID), ...anOperator() } }),
    );
    await doc.send(
      new PutCommand({ TableName: tableName, Item: { ...keys.charger(CHARGER_ID), ...aCharger() } }),
    );
    const counter = countDynamoWrites(doc);
    const deps = createOcppDeps({
      tableName,
      region: 'local',
      doc,
      heartbeatIntervalSeconds: 300,
      callTimeoutSeconds: 30,
      log: silentLog,
    });
    const real = await run(deps, N_DYNAMO, 100_000, () => counter.reset());
    const measuredWrites = counter.requests;
    console.log(`DynamoDB Local adapters: ${N_DYNAMO} MeterValues`);
    console.log(
      `  DynamoDB write requests per MeterValues: ${fmt(measuredWrites / N_DYNAMO, 3)} (target ≤ 1); by command: ${JSON.stringify(counter.byCommand)}`,
    );
    console.log(`  process CPU per MeterValues (handler + AWS SDK): ${fmt(real.cpuMs / N_DYNAMO)} ms`);
    console.log(
      `  wall per MeterValues (sequential, incl. DynamoDB Local): ${fmt(real.wallMs / N_DYNAMO)} ms`,
    );
    doc.destroy();
  } finally {
    await dynamo.stop();
  }
}

await main();
