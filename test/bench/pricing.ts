/**
 * `npm run bench:pricing`: what one recompute costs as a session grows, against DynamoDB Local.
 *
 * For sessions of 10, 1,000 and 10,000 samples (one register reading per MeterValues message,
 * every 15 s, on the demo tariff with its overnight band), the meter values are written through the
 * OCPP repository and fed to the real stream handler in batches of 100 records (the event source
 * mapping's batch size), exactly as Lambda would. Then 40 more updates are measured, alternating
 * the next reading and a late one from the middle of the session (the case a sample log would pay
 * for by re-reading everything): handler time, and the DynamoDB requests each update sends,
 * COUNTED by a middleware on the document client (not estimated), plus the transaction item's size.
 * Targets: per-update cost at 10,000 samples ≤ 1.5× the cost at 10; pricing a 10,000-sample session
 * in pure code ≤ 5 ms (test/bench/pricing-pure.ts).
 */

// The AWS SDK warns once per process that Node 20 support ends in 2027; that is known (README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { join, resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { DEMO_TARIFF } from '../../local/demo-tariff.js';
import { ensurePlatformTable, startDynamoLocal } from '../../local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import {
  DynamoTransactionRepository,
  meterValuesItem,
  transactionItem,
} from '../../shared/adapters/dynamodb/transaction-repository.js';
import { snapshotTariff } from '../../shared/domain/tariff.js';
import { createPricingDeps } from '../../shared/lambda/pricing-deps.js';
import { createRecomputeHandler } from '../../shared/lambda/recompute-handler.js';
import { silentLog } from '../../shared/ports/log.js';
import type { MeterValuesRecord, TransactionRecord } from '../../shared/ports/transactions.js';
import { streamRecord } from '../fixtures/pricing/stream-records.js';
import { measurePricingPure } from './pricing-pure.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SIZES = [10, 1_000, 10_000];
const UPDATES = 60;
const BATCH = 100;
const EVERY_SECONDS = 15;
const WH_PER_SAMPLE = 30;
const START_MS = Date.parse('2026-01-14T20:00:00.000Z');
const METER_START = 1_000_000;

/** Counts every request the client sends, by command, at the SDK middleware level. */
function countRequests(doc: DynamoDBDocumentClient) {
  const counts: Record<string, number> = {};
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  const READS = new Set([
    'GetItemCommand',
    'QueryCommand',
    'BatchGetItemCommand',
    'ScanCommand',
    'TransactGetItemsCommand',
  ]);
  return {
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    reads: () => Object.entries(counts).reduce((n, [k, v]) => n + (READS.has(k) ? v : 0), 0),
    writes: () => Object.entries(counts).reduce((n, [k, v]) => n + (READS.has(k) ? 0 : v), 0),
    byCommand: () => ({ ...counts }),
  };
}

const reading = (i: number, wh = METER_START + WH_PER_SAMPLE * i) => ({
  timestamp: new Date(START_MS + EVERY_SECONDS * 1000 * i).toISOString(),
  sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
});

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
const p90 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length * 0.9)] ?? Number.NaN;

interface Row {
  samples: number;
  /** An update that moves the charge (the next reading): read + conditional write. */
  nextMs: number[];
  nextReads: number[];
  nextWrites: number[];
  /** A late reading from the middle of the session: folded, changes nothing, no write. */
  lateMs: number[];
  lateReads: number[];
  lateWrites: number[];
  commands: Record<string, number>;
  itemBytes: number;
  buckets: number;
  buildSeconds: number;
}

let run = 0;

/** A session of `size` samples, built through the stream handler; returns a function doing one more update. */
async function session(endpoint: string, tableName: string, size: number) {
  const doc = createDocumentClient({ region: 'local', endpoint });
  const counter = countRequests(doc);
  const deps = createPricingDeps({
    tableName,
    region: 'local',
    dynamoEndpoint: endpoint,
    settleWindowSeconds: 120,
    callTimeoutSeconds: 30,
    doc,
    log: silentLog,
  });
  const handler = createRecomputeHandler(() => deps);
  const ocpp = new DynamoTransactionRepository({ doc, tableName });
  const chargerId = `BENCH-${size}-${++run}`;
  const transactionId = 1;
  const tx: TransactionRecord = {
    chargerId,
    transactionId,
    operatorId: 'op-bench',
    connectorId: 1,
    idTag: 'BENCH',
    meterStart: METER_START,
    startedAt: new Date(START_MS).toISOString(),
    tariffSnapshot: snapshotTariff(DEMO_TARIFF),
    status: 'active',
    flags: [],
    createdAt: new Date(START_MS).toISOString(),
    updatedAt: new Date(START_MS).toISOString(),
  };
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: transactionItem(tx),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const message = (i: number, wh?: number): MeterValuesRecord => ({
    chargerId,
    operatorId: 'op-bench',
    transactionId,
    connectorId: 1,
    messageId: `mv-${i}-${wh ?? ''}`,
    source: 'MeterValues',
    meterValue: [reading(i, wh)],
    flags: [],
    receivedAt: new Date(Date.now()).toISOString(),
  });
  const recordOf = (r: MeterValuesRecord): DynamoDBRecord => streamRecord('INSERT', meterValuesItem(r));

  // Build the session as the stream delivers it: the transaction, then batches of 100 messages.
  const built = performance.now();
  const first = await handler({ Records: [streamRecord('INSERT', transactionItem(tx))] });
  if (first.batchItemFailures.length) throw new Error('first recompute failed');
  const messages = Array.from({ length: size }, (_, i) => message(i + 1));
  for (let i = 0; i < messages.length; i += BATCH) {
    const batch = messages.slice(i, i + BATCH);
    await pool(batch, 16, async (m) => {
      await ocpp.putMeterValues(m);
    });
    const out = await handler({ Records: batch.map(recordOf) });
    if (out.batchItemFailures.length) throw new Error('recompute failed while building the session');
  }
  const row: Row = {
    samples: size,
    nextMs: [],
    nextReads: [],
    nextWrites: [],
    lateMs: [],
    lateReads: [],
    lateWrites: [],
    commands: {},
    itemBytes: 0,
    buckets: 0,
    buildSeconds: (performance.now() - built) / 1000,
  };
  let next = size;
  let late = Math.floor(size / 2);

  const update = async (kind: 'next' | 'late') => {
    // A new message each time: the next reading, or a repeat of a middle reading sent again late
    // under another message id (folds to nothing new).
    const m = kind === 'next' ? message(++next) : message(Math.max(1, late--), undefined);
    if (kind === 'late') m.messageId = `late-${late}-${next}`;
    await ocpp.putMeterValues(m);
    counter.reset();
    const t = performance.now();
    const out = await handler({ Records: [recordOf(m)] });
    const ms = performance.now() - t;
    if (out.batchItemFailures.length) throw new Error('recompute failed');
    row[kind === 'next' ? 'nextMs' : 'lateMs'].push(ms);
    row[kind === 'next' ? 'nextReads' : 'lateReads'].push(counter.reads());
    row[kind === 'next' ? 'nextWrites' : 'lateWrites'].push(counter.writes());
    if (kind === 'next' && Object.keys(row.commands).length === 0) row.commands = counter.byCommand();
  };
  const finish = async () => {
    const item = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.transaction(chargerId, transactionId) }),
    );
    row.itemBytes = JSON.stringify(item.Item ?? {}).length;
    row.buckets = (item.Item?.aggregate as { register: unknown[] } | undefined)?.register.length ?? 0;
    doc.destroy();
    return row;
  };
  return { update, finish };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);

const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function main(): Promise<void> {
  const dynamo = await startDynamoLocal({ cacheDir: join(ROOT, '.cache'), port: 0, inMemory: true });
  const tableName = 'bench-pricing';
  try {
    await ensurePlatformTable(dynamo.endpoint, tableName);
    // Warm up the SDK, DynamoDB Local's JIT and the time-zone caches on a throwaway session.
    const warm = await session(dynamo.endpoint, tableName, 200);
    for (let i = 0; i < 100; i++) await warm.update(i % 2 === 0 ? 'next' : 'late');
    await warm.finish();

    const sessions = [];
    for (const size of SIZES) sessions.push(await session(dynamo.endpoint, tableName, size));
    // Interleave the sizes so that drift (GC, JIT, the table filling up) hits all of them alike.
    for (let round = 0; round < UPDATES; round++) {
      for (const s of sessions) await s.update('next');
      for (const s of sessions) await s.update('late');
    }
    const rows: Row[] = [];
    for (const s of sessions) rows.push(await s.finish());

    console.log(
      `\nRecompute per update (stream handler → DynamoDB Local), ${UPDATES} updates of each kind per size:`,
    );
    const header = [
      'samples in session'.padEnd(19),
      'next reading: median ms'.padStart(24),
      'p90 ms'.padStart(7),
      'reads'.padStart(5),
      'writes'.padStart(6),
      'late reading: median ms'.padStart(24),
      'reads'.padStart(5),
      'writes'.padStart(6),
      'TX item bytes'.padStart(13),
      'buckets'.padStart(7),
      'session built in',
    ];
    console.log(header.join(' | '));
    console.log(header.map((h) => '-'.repeat(h.length)).join('-|-'));
    for (const r of rows) {
      console.log(
        [
          r.samples.toLocaleString('en-GB').padEnd(19),
          fmt(median(r.nextMs)).padStart(24),
          fmt(p90(r.nextMs)).padStart(7),
          fmt(mean(r.nextReads), 1).padStart(5),
          fmt(mean(r.nextWrites), 1).padStart(6),
          fmt(median(r.lateMs)).padStart(24),
          fmt(mean(r.lateReads), 1).padStart(5),
          fmt(mean(r.lateWrites), 1).padStart(6),
          String(r.itemBytes).padStart(13),
          String(r.buckets).padStart(7),
          `${fmt(r.buildSeconds, 1)} s`,
        ].join(' | '),
      );
    }
    const small = rows[0] as Row;
    const large = rows[rows.length - 1] as Row;
    console.log(
      `requests of one update that moves the charge (counted by middleware): ${JSON.stringify(small.commands)}`,
    );
    const timeRatio = median(large.nextMs) / median(small.nextMs);
    const requestRatio =
      (mean(large.nextReads) + mean(large.nextWrites)) / (mean(small.nextReads) + mean(small.nextWrites));
    const bytesRatio = large.itemBytes / small.itemBytes;
    console.log(
      `per-update cost, 10,000 vs 10 samples: time ×${fmt(timeRatio)}, requests ×${fmt(requestRatio)}, item bytes ×${fmt(bytesRatio)} (target ≤ 1.5)`,
    );

    const pure = measurePricingPure();
    console.log(
      `pure: fold + price a ${pure.sessionSamples.toLocaleString('en-GB')}-sample session: ${pure.foldAndPriceSessionMs} ms (target ≤ 5 ms); one more sample at 10 / 1,000 / 10,000: fold ${Object.values(pure.foldOneMoreMicros).join(' / ')} µs, price ${Object.values(pure.priceMicros).join(' / ')} µs`,
    );
    const failures: string[] = [];
    if (timeRatio > 1.5) failures.push(`time ratio ${fmt(timeRatio)} > 1.5`);
    if (requestRatio > 1.5) failures.push(`request ratio ${fmt(requestRatio)} > 1.5`);
    if (pure.foldAndPriceSessionMs > 5) failures.push(`pure pricing ${pure.foldAndPriceSessionMs} ms > 5 ms`);
    if (failures.length) {
      console.log(`WARNING: ${failures.join('; ')}`);
      process.exitCode = 1;
    } else console.log('all targets met');
  } finally {
    await dynamo.stop();
  }
}

await main();
