/**
 * The operator's transaction listing on gsi3 (keys only), and the one-time move of transactions
 * stored before it from gsi1 (which projects every attribute, so each update of a transaction was
 * copied into it). A table of its own on DynamoDB Local: transactions written as before (gsi1
 * keys), transactions written now, and another operator's.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorViews } from '../../shared/adapters/dynamodb/operator-views.js';
import {
  DynamoTransactionRepository,
  TRANSACTION_LISTING_MIGRATION,
  transactionItem,
} from '../../shared/adapters/dynamodb/transaction-repository.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = `tx-listing-${Date.now().toString(36)}`;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName };
const OPERATOR = 'op-listing';

const startedAt = (minute: number) => new Date(Date.UTC(2026, 10, 30, 9, minute)).toISOString();
const aTransaction = (transactionId: number, operatorId = OPERATOR): TransactionRecord => ({
  chargerId: 'CP-LIST',
  transactionId,
  operatorId,
  connectorId: 1,
  idTag: 'TAG-1',
  meterStart: 0,
  startedAt: startedAt(transactionId),
  status: 'active',
  flags: [],
  createdAt: startedAt(transactionId),
  updatedAt: startedAt(transactionId),
});

/** A transaction as the platform stored it before gsi3: its listing keys on gsi1. */
function legacyItem(tx: TransactionRecord): Record<string, unknown> {
  const { gsi3pk, gsi3sk, ...item } = transactionItem(tx);
  return { ...item, gsi1pk: gsi3pk, gsi1sk: gsi3sk };
}

const ids = (items: Record<string, unknown>[]) => items.map((i) => i.transactionId);

beforeAll(async () => {
  await ensurePlatformTable(dynamoEndpoint, tableName);
});
afterAll(() => doc.destroy());

describe('the transaction listing index', () => {
  it('lists transactions stored before and after gsi3, newest first, page by page; the old ones leave gsi1', async () => {
    for (const id of [1, 2, 3])
      await doc.send(new PutCommand({ TableName: tableName, Item: legacyItem(aTransaction(id)) }));
    await doc.send(new PutCommand({ TableName: tableName, Item: legacyItem(aTransaction(9, 'op-other')) }));
    const repo = new DynamoTransactionRepository(table);
    for (const id of [4, 5]) await repo.createStarted(aTransaction(id), undefined);

    const views = new DynamoOperatorViews(doc, tableName);
    const first = await views.transactions(OPERATOR, { limit: 3 });
    expect(ids(first.items)).toEqual([5, 4, 3]);
    expect(first.next).toBeDefined();
    const second = await views.transactions(OPERATOR, {
      limit: 3,
      ...(first.next ? { after: first.next } : {}),
    });
    expect(ids(second.items)).toEqual([2, 1]);
    // Whole items, as the listing showed them from gsi1, without storage keys.
    expect(first.items[0]).toMatchObject({
      chargerId: 'CP-LIST',
      transactionId: 5,
      operatorId: OPERATOR,
      status: 'active',
    });
    expect(Object.keys(first.items[0] ?? {}).filter((k) => /^(pk|sk|gsi\d(pk|sk))$/.test(k))).toEqual([]);
    expect(ids((await views.transactions('op-other', { limit: 10 })).items)).toEqual([9]);

    // Nothing of a transaction is left in gsi1, and the move is recorded done.
    const inGsi1 = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `OP#${OPERATOR}` },
      }),
    );
    expect(inGsi1.Items ?? []).toEqual([]);
    const marker = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.migration(TRANSACTION_LISTING_MIGRATION).pk },
      }),
    );
    expect(marker.Items).toHaveLength(1);
  });

  it('new transactions carry only the gsi3 keys, and the index holds only keys', async () => {
    const repo = new DynamoTransactionRepository(table);
    await repo.createStarted(aTransaction(20), undefined);
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk = :sk',
        ExpressionAttributeValues: { ':pk': `OP#${OPERATOR}`, ':sk': `TX#${startedAt(20)}` },
      }),
    );
    expect(out.Items).toEqual([
      { ...keys.transaction('CP-LIST', 20), gsi3pk: `OP#${OPERATOR}`, gsi3sk: `TX#${startedAt(20)}` },
    ]);
    const item = transactionItem(aTransaction(20));
    expect(item).not.toHaveProperty('gsi1pk');
    expect(item).not.toHaveProperty('gsi1sk');
  });

  it('reads a day of more sessions than one BatchGetItem takes (100 keys) for the dashboard', async () => {
    const operatorId = 'op-busy-day';
    const day = (n: number) => new Date(Date.UTC(2026, 10, 29, 8, 0, n)).toISOString();
    for (let n = 0; n < 250; n++) {
      const tx = { ...aTransaction(1000 + n, operatorId), startedAt: day(n) };
      await doc.send(new PutCommand({ TableName: tableName, Item: transactionItem(tx) }));
    }
    const views = new DynamoOperatorViews(doc, tableName);
    const read = await views.transactionsStartedBetween(operatorId, day(0), day(250), 10);
    expect(read.complete).toBe(true);
    expect(read.items).toHaveLength(250);
    expect(new Set(read.items.map((i) => i.transactionId)).size).toBe(250);
  });
});
