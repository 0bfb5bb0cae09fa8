/**
 * The recompute's stream filter against DynamoDB Local's real stream, with the repositories' real
 * writes: the recompute's own writes on the transaction item invoke it no more (Lambda bills nothing
 * for a record its filter drops), while a write that changes a pricing input still does. The poller
 * applies the same patterns Lambda gets (shared/adapters/dynamodb/stream-filters.ts) and watches a
 * table of its own.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type StreamPoller, startStreamPoller } from '../../local/stream-poller.js';
import { DynamoChargeRepository } from '../../shared/adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoSessionTransactions } from '../../shared/adapters/dynamodb/session-transactions.js';
import { RECOMPUTE_FILTER_PATTERNS } from '../../shared/adapters/dynamodb/stream-filters.js';
import {
  DynamoTransactionRepository,
  transactionItem,
} from '../../shared/adapters/dynamodb/transaction-repository.js';
import { initAggregate } from '../../shared/domain/charge-aggregate.js';
import type { Tariff } from '../../shared/domain/tariff.js';
import { DEMO_TARIFF } from '../fixtures/builders/pricing.js';
import { aTransaction, KEY, plus, START } from '../unit/pricing/support.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = 'recompute-stream-filter';
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName };

/** What each invocation of the recompute got: `<eventName> <sk>` per record. */
const invocations: string[][] = [];
let poller: StreamPoller;

beforeAll(async () => {
  const streamArn = await ensurePlatformTable(dynamoEndpoint, tableName);
  poller = await startStreamPoller({
    endpoint: dynamoEndpoint,
    streamArn,
    startingPosition: 'TRIM_HORIZON',
    filterPatterns: RECOMPUTE_FILTER_PATTERNS,
    handler: async (event: DynamoDBStreamEvent) => {
      invocations.push(event.Records.map((r) => `${r.eventName} ${r.dynamodb?.Keys?.sk?.S}`));
    },
  });
});

afterAll(async () => {
  await poller?.stop();
  doc.destroy();
});

describe('the recompute stream filter', () => {
  it('invokes the recompute for a new transaction, a stop and a hold, never for its own writes', async () => {
    const tx = aTransaction();
    const charges = new DynamoChargeRepository(table);
    const aggregate = initAggregate({
      tariff: DEMO_TARIFF as Tariff,
      startedAtMs: Date.parse(START),
      meterStartWh: tx.meterStart ?? 0,
    });
    const save = (version: number) =>
      charges.saveCharge(KEY, version, { aggregate, energyMilliWh: 0, addFlags: [] });

    await doc.send(new PutCommand({ TableName: tableName, Item: transactionItem(tx) }));
    await poller.drain();
    expect(await save(0)).toBe('saved');
    await poller.drain();
    await new DynamoSessionTransactions(table).attachHold(KEY.chargerId, KEY.transactionId, {
      preAuthAmountMinor: 3000,
      paymentSessionId: 'ps-1',
    });
    await poller.drain();
    expect(await save(1)).toBe('saved');
    await poller.drain();
    const stopped = await new DynamoTransactionRepository(table).recordStop(
      KEY.chargerId,
      KEY.transactionId,
      {
        meterStop: 12_000,
        stoppedAt: plus(30),
        stopMessageId: 'stop-1',
        receivedAt: plus(30, 1),
      },
    );
    expect(stopped).toBe('stopped');
    await poller.drain();
    expect(await save(2)).toBe('saved');
    await poller.drain();

    const sk = transactionItem(tx).sk;
    expect(invocations).toEqual([[`INSERT ${sk}`], [`MODIFY ${sk}`], [`MODIFY ${sk}`]]);
    // The three saves were read from the stream and dropped, as Lambda drops them before invoking.
    expect(poller.stats().filteredOut).toBe(3);
  });
});
