/**
 * Transactions, their start records, the per-charger id counter and meter values.
 *
 * Item shapes (besides pk/sk, see keys.ts):
 * - transaction (keys.transaction): entity `transaction`, gsi3 transactionOfOperator (keys only;
 *   startedAt, or stoppedAt for a `start-missing` one), the TransactionRecord fields, `flags` as a
 *   string set (absent when empty, so any writer can `ADD flags :f`); gsi4 openTransaction (keys
 *   only) until pricing finalises its charge. Pricing and payments add
 *   their own attributes; OCPP writes after creation are UpdateItem on its own attributes only.
 * - meter values (keys.meterValues, in the transaction's partition): one item per MeterValues
 *   message (or StopTransaction's transactionData), created by a single conditional PutItem; the
 *   item mapper is meter-values-items.ts.
 * - start record (keys.startDedup): the replay key of a start.
 * - counter (keys.transactionCounter): `seq`, incremented atomically.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../../ports/paging.js';
import type {
  MeterValuesRecord,
  StartRecord,
  StopInfo,
  TransactionFlag,
  TransactionRecord,
  TransactionRepository,
} from '../../ports/transactions.js';
import { gsi3, gsi4, keys, queries, REPRICE_DUE, startsUpToRange, transactionItemScan } from './keys.js';
import { meterValuesItem, toMeterValuesRecord } from './meter-values-items.js';
import {
  batchGetAll,
  beginsWith,
  Expression,
  failedConditions,
  fromStringSet,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
  queryPage,
  stringSet,
  stripKeys,
  type TableContext,
} from './support.js';

/** Re-exported for the stream tests and benches that build items the way OCPP writes them. */
export { meterValuesItem } from './meter-values-items.js';

export function transactionItem(tx: TransactionRecord): Record<string, unknown> {
  const { flags, ...rest } = tx;
  return {
    ...keys.transaction(tx.chargerId, tx.transactionId),
    ...gsi3.transactionOfOperator(tx.operatorId, tx.startedAt ?? tx.stoppedAt ?? tx.createdAt),
    // New transactions are not final: listed for the reconciliation sweep until finalised.
    ...gsi4.openTransaction(tx.chargerId, tx.transactionId, tx.startedAt ?? tx.stoppedAt ?? tx.createdAt),
    entity: 'transaction',
    ...rest,
    flags: stringSet(flags),
  };
}

const toTransaction = (item: Record<string, unknown>): TransactionRecord => {
  // The reprice mark only steers the stream filter (stream-filters.ts): not part of the record.
  const { [REPRICE_DUE]: _mark, ...rest } = item;
  const tx = stripKeys<TransactionRecord>(rest);
  tx.flags = fromStringSet(item.flags);
  return tx;
};

export class DynamoTransactionRepository implements TransactionRepository {
  constructor(private readonly t: TableContext) {}

  async findStart(
    chargerId: string,
    connectorId: number,
    timestamp: string,
  ): Promise<StartRecord | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.startDedup(chargerId, connectorId, timestamp),
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripKeys<StartRecord>(out.Item) : undefined;
  }

  async latestStartBefore(
    chargerId: string,
    connectorId: number,
    timestamp: string,
  ): Promise<StartRecord | undefined> {
    const range = startsUpToRange(chargerId, connectorId, timestamp);
    const out = await this.t.doc.send(
      new QueryCommand({
        TableName: this.t.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to },
        ScanIndexForward: false,
        // The latest two: one may be the start at `timestamp` itself.
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    const before = (out.Items ?? []).find((item) => item.sk !== range.to);
    return before ? stripKeys<StartRecord>(before) : undefined;
  }

  async nextTransactionId(chargerId: string): Promise<number> {
    const out = await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.transactionCounter(chargerId),
        ...new Expression().add('seq', 1).set('entity', 'transactionCounter').params(),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = out.Attributes?.seq;
    if (typeof seq !== 'number') throw new Error('transaction counter returned no number');
    return seq;
  }

  async reserveTransactionId(chargerId: string, transactionId: number): Promise<void> {
    const e = new Expression();
    const seq = e.name('seq');
    const id = e.value(transactionId);
    e.when(`attribute_not_exists(${seq}) OR ${seq} < ${id}`);
    e.setRaw(`${seq} = ${id}`).set('entity', 'transactionCounter');
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transactionCounter(chargerId),
          ...e.params(),
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async createStarted(
    tx: TransactionRecord,
    start: StartRecord | undefined,
  ): Promise<'created' | 'duplicate-start' | 'id-taken'> {
    if (!start) {
      return (await putIfAbsent(this.t, transactionItem(tx))) === 'created' ? 'created' : 'id-taken';
    }
    const txPut = {
      TableName: this.t.tableName,
      Item: transactionItem(tx),
      ConditionExpression: ITEM_ABSENT,
    };
    try {
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.t.tableName,
                Item: {
                  ...keys.startDedup(start.chargerId, start.connectorId, start.timestamp),
                  entity: 'transactionStart',
                  ...start,
                },
                ConditionExpression: ITEM_ABSENT,
              },
            },
            { Put: txPut },
          ],
        }),
      );
      return 'created';
    } catch (err) {
      const failed = failedConditions(err);
      if (!failed) throw err;
      return failed[0] ? 'duplicate-start' : 'id-taken';
    }
  }

  async get(chargerId: string, transactionId: number): Promise<TransactionRecord | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.transaction(chargerId, transactionId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toTransaction(out.Item) : undefined;
  }

  async recordStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
  ): Promise<'stopped' | 'already-stopped' | 'missing'> {
    const { receivedAt, ...fields } = stop;
    const e = new Expression();
    e.when(`attribute_exists(${e.name('pk')})`)
      .when(`attribute_not_exists(${e.name('stoppedAt')})`)
      .when(`${e.name('status')} = ${e.value('active')}`);
    e.set('status', 'stopped')
      .set('updatedAt', receivedAt)
      .setAll(fields)
      // The stop is a pricing input: the recompute's stream filter lets this write through.
      .set(REPRICE_DUE, 'stop');
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(chargerId, transactionId),
          ...e.params(),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'stopped';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (err as { Item?: unknown }).Item ? 'already-stopped' : 'missing';
    }
  }

  async replaceSupersededStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
    platformStopMessageId: string,
  ): Promise<'replaced' | 'kept'> {
    const { receivedAt, ...fields } = stop;
    const e = new Expression();
    const flag = e.value('stop-replaced-by-charger');
    e.when(`attribute_exists(${e.name('pk')})`)
      .when(`${e.name('status')} = ${e.value('stopped')}`)
      // Pricing's finalisation (it also sets status 'final'; this holds during its write too).
      .when(`attribute_not_exists(${e.name('finalisedAt')})`)
      .when(`${e.name('stopMessageId')} = ${e.value(platformStopMessageId)}`)
      .when(`NOT contains(${e.name('flags')}, ${flag})`);
    // The charger's stop replaces every stop field: one it leaves out (idTag) must not survive from the platform's.
    e.set('updatedAt', receivedAt)
      .setAll(
        { stopReason: undefined, stopIdTag: undefined, ...fields } satisfies Omit<StopInfo, 'receivedAt'>,
        { removeUndefined: true },
      )
      .add('flags', new Set(['stop-replaced-by-charger']))
      // A new stop is a pricing input: the recompute's stream filter lets this write through.
      .set(REPRICE_DUE, 'stop');
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(chargerId, transactionId),
          ...e.params(),
        }),
      );
      return 'replaced';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return 'kept';
    }
  }

  async createFromStop(tx: TransactionRecord): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, transactionItem(tx));
  }

  async addFlag(chargerId: string, transactionId: number, flag: TransactionFlag): Promise<void> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(chargerId, transactionId),
          UpdateExpression: 'ADD flags :f',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':f': new Set([flag]) },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async putMeterValues(r: MeterValuesRecord): Promise<'stored' | 'duplicate'> {
    return (await putIfAbsent(this.t, meterValuesItem(r))) === 'created' ? 'stored' : 'duplicate';
  }

  async meterValuesOf(chargerId: string, transactionId: number): Promise<MeterValuesRecord[]> {
    const { items } = await queryAll(this.t, {
      ...beginsWith(queries.meterValues(chargerId, transactionId)),
      ConsistentRead: true,
    });
    return items.map(toMeterValuesRecord);
  }
}

/** The one-time pass that moves transactions stored before gsi3 from gsi1 to it. */
export const TRANSACTION_LISTING_MIGRATION = 'transaction-listing-gsi3';

type Item = Record<string, unknown>;
const keyString = (item: Item) => `${String(item.pk)}\u0000${String(item.sk)}`;

/**
 * An operator's transactions, newest first: one page of keys from gsi3 (keys only), then the items
 * themselves in one BatchGetItem (a page is at most 100). Reading the items costs a little on each
 * listing; projecting them into the index cost a write of the whole item on every update of every
 * transaction (each reading's recompute), and listings are rare next to readings.
 *
 * Transactions stored before gsi3 carry their listing keys on gsi1. Before its first listing each
 * process makes sure the one-time move is done (`moveLegacyTransactions`), as the registration
 * prefix claims do with their migration (charger-admin.ts): the listing never misses one.
 */
export class DynamoTransactionListing {
  /** Set once the move is seen done: it never becomes undone, so this cannot go stale. */
  private moved = false;

  constructor(private readonly t: TableContext) {}

  async page(operatorId: string, page: PageRequest): Promise<Page<Item>> {
    await this.moveLegacyTransactions();
    const { items: indexed, next } = await queryPage(
      this.t,
      queries.transactionsOfOperator(operatorId),
      'gsi3',
      page,
      { ScanIndexForward: false },
    );
    return { items: await this.itemsOf(indexed), ...(next ? { next } : {}) };
  }

  /**
   * The transactions started in [from, to), at most `maxQueries` index queries of `limit` keys
   * (the dashboard and the revenue summary bound their reads); `complete` says whether the range
   * was read to its end. `requests` counts every DynamoDB request, the BatchGetItems too.
   */
  async startedBetween(
    operatorId: string,
    fromIso: string,
    toIso: string,
    maxQueries: number,
    limit: number,
  ): Promise<{ items: Item[]; complete: boolean; queries: number }> {
    await this.moveLegacyTransactions();
    // gsi3sk holds the start time (keys.ts transactionOfOperator), an ISO string with milliseconds:
    // [from, to) is BETWEEN from AND to - 1 ms (BETWEEN is inclusive).
    const lastIso = new Date(Date.parse(toIso) - 1).toISOString();
    const from = gsi3.transactionOfOperator(operatorId, fromIso);
    const items: Item[] = [];
    let start: Item | undefined;
    let queriesSent = 0;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk BETWEEN :from AND :last',
          ExpressionAttributeValues: {
            ':pk': from.gsi3pk,
            ':from': from.gsi3sk,
            ':last': gsi3.transactionOfOperator(operatorId, lastIso).gsi3sk,
          },
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      queriesSent++;
      items.push(...(await this.itemsOf(out.Items ?? [])));
      start = out.LastEvaluatedKey;
    } while (start && queriesSent < maxQueries);
    return { items, complete: start === undefined, queries: queriesSent };
  }

  /** The items of index keys, in the keys' order (BatchGetItem answers in any order). */
  private async itemsOf(indexed: Item[]): Promise<Item[]> {
    const found = new Map(
      (
        await batchGetAll(
          this.t,
          indexed.map((k) => ({ pk: String(k.pk), sk: String(k.sk) })),
        )
      ).map((i) => [keyString(i), i]),
    );
    return indexed.map((k) => found.get(keyString(k))).filter((i): i is Item => i !== undefined);
  }

  /**
   * Moves every transaction that still carries gsi1 listing keys to gsi3 (same values), and removes
   * the gsi1 keys, so that its updates are no longer copied into gsi1 (which projects everything).
   * A Scan of the table, once per table; idempotent, so two processes running it at once is harmless.
   */
  async moveLegacyTransactions(): Promise<void> {
    if (this.moved) return;
    const done = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.migration(TRANSACTION_LISTING_MIGRATION),
        ConsistentRead: true,
      }),
    );
    if (done.Item) {
      this.moved = true;
      return;
    }
    let startKey: Item | undefined;
    do {
      const out = await this.t.doc.send(
        new ScanCommand({
          TableName: this.t.tableName,
          FilterExpression: 'sk = :tx AND begins_with(pk, :txPartition) AND attribute_exists(gsi1pk)',
          ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk',
          ExpressionAttributeValues: {
            ':tx': transactionItemScan.sk,
            ':txPartition': transactionItemScan.pkPrefix,
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) await this.moveOne(item);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    await this.t.doc.send(
      new PutCommand({
        TableName: this.t.tableName,
        Item: { ...keys.migration(TRANSACTION_LISTING_MIGRATION), entity: 'migration' },
      }),
    );
    this.moved = true;
  }

  private async moveOne(item: Item): Promise<void> {
    const e = new Expression();
    const gsi1pk = e.name('gsi1pk');
    e.when(`${gsi1pk} = ${e.value(item.gsi1pk)}`)
      .set('gsi3pk', item.gsi1pk)
      .set('gsi3sk', item.gsi1sk)
      .remove('gsi1pk')
      .remove('gsi1sk');
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: { pk: item.pk, sk: item.sk },
          ...e.params(),
        }),
      );
    } catch (err) {
      // Moved by another run since the page was read.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
