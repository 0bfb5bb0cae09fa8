/**
 * The reconciliation sweep reads only what it needs: the open transactions, through the sparse
 * open-transaction index (gsi2), not a Scan of the whole table. A table of its own on DynamoDB
 * Local: many items that are not open transactions, a transaction stored before the index existed
 * (it is indexed by the sweep's first pass, which scans once), and transactions stored now.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { DynamoChargeRepository } from '../../shared/adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys, OPEN_TRANSACTION_SHARDS } from '../../shared/adapters/dynamodb/keys.js';
import {
  DynamoTransactionRepository,
  transactionItem,
} from '../../shared/adapters/dynamodb/transaction-repository.js';
import type { TxKey } from '../../shared/ports/charges.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = `open-transactions-${Date.now().toString(36)}`;
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
});
afterAll(() => doc.destroy());

/** One whole pass of the sweep's list: the keys it gave and the pages it took. */
async function onePass(pageSize: number): Promise<{ keys: string[]; pages: number }> {
  const found: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await charges.unfinalisedTransactions(cursor, pageSize);
    pages++;
    found.push(...page.keys.map((k) => `${k.chargerId}#${k.transactionId}`));
    cursor = page.cursor;
  } while (cursor !== undefined && pages < 1_000);
  return { keys: found.sort(), pages };
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
    // Stored before the index existed: no gsi2 attributes.
    const {
      gsi2pk: _pk,
      gsi2sk: _sk,
      ...old
    } = transactionItem(aTransaction({ chargerId: 'OPEN-OLD', transactionId: 1 }));
    await doc.send(new PutCommand({ TableName: tableName, Item: old }));
    for (const transactionId of [1, 2]) {
      await transactions.createStarted(aTransaction({ chargerId: 'OPEN-NEW', transactionId }), undefined);
    }
    const want = ['OPEN-NEW#1', 'OPEN-NEW#2', 'OPEN-OLD#1'];

    // The first pass reads the table once, as the sweep did, and indexes what it finds.
    expect((await onePass(20)).keys).toEqual(want);
    // From then on a pass is one query per index partition, whatever else the table holds.
    const indexed = await onePass(20);
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
});
