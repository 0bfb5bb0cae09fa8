/**
 * The stream poller's drain hook against DynamoDB Local's real stream: drain() resolves only once
 * every record written before the call has been handed to the handler, retries included. The
 * poller watches a table of its own, so the platform's traffic does not enter the count.
 */
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
