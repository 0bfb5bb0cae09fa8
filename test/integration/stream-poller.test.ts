/**
 * The stream poller's drain hook against DynamoDB Local's real stream: drain() resolves only once
 * every record written before the call has been handed to the handler, retries included. The
 * poller watches a table of its own, so the platform's traffic does not enter the count.
 * Its checkpoint: a restarted consumer resumes after the last record it handled, and one with no
 * checkpoint reads from the oldest record.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type StreamPoller, startStreamPoller } from '../../local/stream-poller.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = 'stream-poller-drain';
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });

/** The pk of every record the handler accepted, in delivery order. */
const delivered: string[] = [];
/** Records whose first delivery the handler fails, to make the poller retry them. */
const failOnce = new Set<string>();
let poller: StreamPoller;

beforeAll(async () => {
  const streamArn = await ensurePlatformTable(dynamoEndpoint, tableName);
  poller = await startStreamPoller({
    endpoint: dynamoEndpoint,
    streamArn,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 10,
    handler: async (event: DynamoDBStreamEvent) => {
      const pks = event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? '');
      const failing = pks.find((pk) => failOnce.delete(pk));
      if (failing) throw new Error(`refusing ${failing} once`);
      delivered.push(...pks);
    },
  });
});

afterAll(async () => {
  await poller?.stop();
  doc.destroy();
});

const write = (pk: string) => doc.send(new PutCommand({ TableName: tableName, Item: { pk, sk: 'ITEM' } }));

describe('stream poller drain', () => {
  it('resolves once every record written before the call has been delivered', async () => {
    const pks = Array.from({ length: 35 }, (_, i) => `drain-${String(i).padStart(2, '0')}`);
    for (const pk of pks) await write(pk);
    await poller.drain();
    expect(delivered).toEqual(pks);
  });

  it('waits for a failed batch to be retried', async () => {
    delivered.length = 0;
    const failedBefore = poller.stats().failedBatches;
    failOnce.add('retry-1');
    await write('retry-0');
    await write('retry-1');
    await poller.drain();
    expect(delivered).toEqual(['retry-0', 'retry-1']);
    expect(poller.stats().failedBatches).toBe(failedBefore + 1);
  });
});

describe('stream poller checkpoint', () => {
  const checkpointTable = 'stream-poller-checkpoint';
  let dir: string;
  let streamArn: string;

  beforeAll(async () => {
    streamArn = await ensurePlatformTable(dynamoEndpoint, checkpointTable);
    dir = await mkdtemp(join(tmpdir(), 'poller-checkpoint-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const put = (pk: string) =>
    doc.send(new PutCommand({ TableName: checkpointTable, Item: { pk, sk: 'ITEM' } }));

  /** A consumer that records the pks it is handed, reading from a given checkpoint file. */
  async function consumer(checkpointFile: string | undefined, seen: string[]): Promise<StreamPoller> {
    return startStreamPoller({
      endpoint: dynamoEndpoint,
      streamArn,
      startingPosition: 'TRIM_HORIZON',
      checkpointFile,
      batchSize: 3,
      handler: async (event: DynamoDBStreamEvent) => {
        seen.push(...event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? ''));
      },
    });
  }

  it('reads records written before it started, then resumes after its checkpoint on restart', async () => {
    const file = join(dir, 'pricing.json');
    const before = ['ck-0', 'ck-1', 'ck-2', 'ck-3'];
    for (const pk of before) await put(pk);
    const firstRun: string[] = [];
    const first = await consumer(file, firstRun);
    await first.drain();
    await first.stop();
    expect(firstRun).toEqual(before);

    // Written while no consumer runs (the platform is down): the restart must pick these up, and
    // only these.
    await put('ck-4');
    await put('ck-5');
    const secondRun: string[] = [];
    const second = await consumer(file, secondRun);
    await second.drain();
    await second.stop();
    expect(secondRun).toEqual(['ck-4', 'ck-5']);
  });

  it('keeps one place per consumer: a second checkpoint file reads the shard from its start', async () => {
    const payments: string[] = [];
    const other = await consumer(join(dir, 'payments.json'), payments);
    await other.drain();
    await other.stop();
    expect(payments).toEqual(['ck-0', 'ck-1', 'ck-2', 'ck-3', 'ck-4', 'ck-5']);
    const kept = JSON.parse(await readFile(join(dir, 'payments.json'), 'utf8')) as {
      shards: Record<string, string>;
    };
    expect(Object.values(kept.shards).length).toBeGreaterThan(0);
  });
});

describe('stream poller batching window', () => {
  it('folds the records written during the window into one call, as MaximumBatchingWindowInSeconds does', async () => {
    const batchingTable = 'stream-poller-batching';
    const streamArn = await ensurePlatformTable(dynamoEndpoint, batchingTable);
    const calls: string[][] = [];
    const batching = await startStreamPoller({
      endpoint: dynamoEndpoint,
      streamArn,
      startingPosition: 'TRIM_HORIZON',
      // Long enough that the writes below, each awaited, land inside it on a loaded machine.
      batchingWindowMs: 1_500,
      handler: async (event: DynamoDBStreamEvent) => {
        calls.push(event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? ''));
      },
    });
    try {
      const put = (pk: string) =>
        doc.send(new PutCommand({ TableName: batchingTable, Item: { pk, sk: 'ITEM' } }));
      await put('window-0');
      await put('window-1');
      await put('window-2');
      await batching.drain();
      expect(calls).toEqual([['window-0', 'window-1', 'window-2']]);
    } finally {
      await batching.stop();
    }
  });
});
