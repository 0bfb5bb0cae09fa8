/**
 * The reconciliation sweep reads only what it needs: the open transactions, through the sparse
 * open-transaction index (gsi4, keys only), not a Scan of the whole table. Tables of their own on
 * DynamoDB Local: many items that are not open transactions, a transaction stored before any index
 * existed (indexed by the sweep's first pass, which scans once), transactions stored while gsi2
 * listed them (moved to gsi4 by the first pass), and transactions stored now.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import {
  DynamoChargeRepository,
  OPEN_TRANSACTION_MOVE_GRACE_MS,
  OPEN_TRANSACTIONS_MIGRATION,
} from '../../shared/adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi2, keys, OPEN_TRANSACTION_SHARDS } from '../../shared/adapters/dynamodb/keys.js';
import {
  DynamoTransactionRepository,
  transactionItem,
} from '../../shared/adapters/dynamodb/transaction-repository.js';
import type { TxKey } from '../../shared/ports/charges.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';
import { countDynamoRequests } from '../fixtures/dynamo-requests.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = `open-transactions-${Date.now().toString(36)}`;
const movedTableName = `open-transactions-moved-${Date.now().toString(36)}`;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName };
const transactions = new DynamoTransactionRepository(table);
const charges = new DynamoChargeRepository(table);
const at = new Date().toISOString();

const aTransaction = (key: TxKey): TransactionRecord => ({
  ...key,
  operatorId: 'op-open',
  connectorId: 1,
  idTag: 'TAG-1',
  meterStart: 10_000,
  startedAt: at,
  status: 'active',
  flags: [],
  createdAt: at,
  updatedAt: at,
});

beforeAll(async () => {
  await ensurePlatformTable(dynamoEndpoint, tableName);
  await ensurePlatformTable(dynamoEndpoint, movedTableName);
});
afterAll(() => doc.destroy());

const afterGrace = () => Date.now() + OPEN_TRANSACTION_MOVE_GRACE_MS + 60_000;

/** One whole pass of the sweep's list: the keys it gave (each once) and the pages it took. */
async function onePass(
  pageSize: number,
  repository = charges,
  from?: string,
): Promise<{ keys: string[]; pages: number }> {
  const found = new Set<string>();
  let cursor = from;
  let pages = 0;
  do {
    const page = await repository.unfinalisedTransactions(cursor, pageSize);
    pages++;
    for (const k of page.keys) found.add(`${k.chargerId}#${k.transactionId}`);
    cursor = page.cursor;
  } while (cursor !== undefined && pages < 1_000);
  return { keys: [...found].sort(), pages };
}

describe('the open-transaction index', () => {
  it('lists only open transactions, old ones included, without reading the rest of the table', async () => {
    // What the sweep has no use for: 300 items that are not transactions.
    for (let i = 0; i < 300; i++) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.stripeEvent(`evt-${i}`), entity: 'stripeEvent' },
        }),
      );
    }
    // Stored before the index existed: no index attributes.
    const {
      gsi4pk: _pk,
      gsi4sk: _sk,
      ...old
    } = transactionItem(aTransaction({ chargerId: 'OPEN-OLD', transactionId: 1 }));
    await doc.send(new PutCommand({ TableName: tableName, Item: old }));
    for (const transactionId of [1, 2]) {
      await transactions.createStarted(aTransaction({ chargerId: 'OPEN-NEW', transactionId }), undefined);
    }
    const want = ['OPEN-NEW#1', 'OPEN-NEW#2', 'OPEN-OLD#1'];

    // The first pass reads the table once, as the sweep did, and indexes what it finds.
    expect((await onePass(20)).keys).toEqual(want);
    // From then on (past the day a deploy's rollout is given, see the next test) a pass is one
    // query per index partition, whatever else the table holds.
    const indexed = await onePass(20, new DynamoChargeRepository(table, afterGrace));
    expect(indexed.keys).toEqual(want);
    expect(indexed.pages).toBeLessThanOrEqual(OPEN_TRANSACTION_SHARDS);

    // A finalised transaction leaves the list in the write that finalises it.
    const key = { chargerId: 'OPEN-NEW', transactionId: 2 };
    const finalisedAt = new Date().toISOString();
    expect(
      await charges.finalise(key, 0, {
        finalisedAt,
        reason: 'hold-expiring',
        energyMilliWh: 0,
        markFinal: false,
        event: {
          type: 'charge-finalised',
          eventId: 'charge-finalised:OPEN-NEW#2',
          ...key,
          operatorId: 'op-open',
          finalisedAt,
          reason: 'hold-expiring',
          charge: null,
          energyMilliWh: 0,
          stillRunning: true,
        },
      }),
    ).toBe('finalised');
    expect((await onePass(20)).keys).toEqual(['OPEN-NEW#1', 'OPEN-OLD#1']);
  });

  it('moves the entries gsi2 held to gsi4, listing each on the way, from an old cursor too', async () => {
    const moved = { doc, tableName: movedTableName };
    const sweep = new DynamoChargeRepository(moved);
    await doc.send(
      new PutCommand({
        TableName: movedTableName,
        Item: { ...keys.migration(OPEN_TRANSACTIONS_MIGRATION), entity: 'migration' },
      }),
    );
    // Stored while gsi2 listed open transactions: its entry there, none on gsi4.
    const legacyKeys = [1, 2, 3].map((transactionId) => ({ chargerId: 'OPEN#GSI2', transactionId }));
    for (const key of legacyKeys) {
      const { gsi4pk: _pk, gsi4sk: _sk, ...item } = transactionItem(aTransaction(key));
      await doc.send(
        new PutCommand({
          TableName: movedTableName,
          Item: { ...item, ...gsi2.openTransaction(key.chargerId, key.transactionId, at) },
        }),
      );
    }
    await new DynamoTransactionRepository(moved).createStarted(
      aTransaction({ chargerId: 'OPEN-NOW', transactionId: 1 }),
      undefined,
    );
    const want = ['OPEN#GSI2#1', 'OPEN#GSI2#2', 'OPEN#GSI2#3', 'OPEN-NOW#1'];

    // A cursor the sweep kept from before gsi4 (a place on gsi2), pages of one item.
    expect((await onePass(1, sweep, JSON.stringify({ shard: 0 }))).keys).toEqual(want);
    for (const key of legacyKeys) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: movedTableName,
          Key: keys.transaction(key.chargerId, key.transactionId),
        }),
      );
      expect(Item?.gsi2pk).toBeUndefined();
      expect(Item?.gsi4pk).toBe(gsi2.openTransaction(key.chargerId, key.transactionId, at).gsi2pk);
    }
    // Within a day of the move, a pass still queries gsi2 (empty now) before gsi4, in the pages
    // gsi4 takes anyway.
    const countedDoc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
    const queries = countDynamoRequests(countedDoc);
    const counted = { doc: countedDoc, tableName: movedTableName };
    const soon = await onePass(20, new DynamoChargeRepository(counted));
    expect(soon.keys).toEqual(want);
    expect(soon.pages).toBeLessThanOrEqual(OPEN_TRANSACTION_SHARDS);
    expect(queries.byCommand.Query).toBe(2 * OPEN_TRANSACTION_SHARDS);

    // A function still on the code from before gsi4 opens a transaction on gsi2 after the move
    // reached gsi2's end (a deploy rolling out): the next pass lists it and moves it.
    const straggler = { chargerId: 'OPEN#LATE', transactionId: 1 };
    const { gsi4pk: _pk, gsi4sk: _sk, ...lateItem } = transactionItem(aTransaction(straggler));
    await doc.send(
      new PutCommand({
        TableName: movedTableName,
        Item: { ...lateItem, ...gsi2.openTransaction(straggler.chargerId, straggler.transactionId, at) },
      }),
    );
    expect((await onePass(20, sweep)).keys).toEqual([...want, 'OPEN#LATE#1'].sort());
    const { Item: late } = await doc.send(
      new GetCommand({ TableName: movedTableName, Key: keys.transaction(straggler.chargerId, 1) }),
    );
    expect(late?.gsi2pk).toBeUndefined();
    expect(late?.gsi4pk).toBeDefined();

    // Past the grace: a fresh process reads gsi4 only, one query per partition.
    queries.reset();
    const after = await onePass(20, new DynamoChargeRepository(counted, afterGrace));
    expect(after.keys).toEqual([...want, 'OPEN#LATE#1'].sort());
    expect(queries.byCommand.Query).toBe(OPEN_TRANSACTION_SHARDS);
    countedDoc.destroy();
  });

  it("is not written by an open transaction's updates (keys only)", async () => {
    const key = { chargerId: 'OPEN-HOT', transactionId: 1 };
    await transactions.createStarted(aTransaction(key), undefined);
    const out = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.transaction(key.chargerId, key.transactionId),
        UpdateExpression: 'SET energyMilliWh = :e, #aggregate = :a',
        ExpressionAttributeNames: { '#aggregate': 'aggregate' },
        ExpressionAttributeValues: { ':e': 120_000, ':a': { samples: 'x'.repeat(2_000) } },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    expect(out.ConsumedCapacity?.Table?.CapacityUnits).toBeGreaterThan(0);
    const indexUnits = Object.values(out.ConsumedCapacity?.GlobalSecondaryIndexes ?? {}).reduce(
      (sum, c) => sum + (c.CapacityUnits ?? 0),
      0,
    );
    expect(indexUnits).toBe(0);
  });
});
