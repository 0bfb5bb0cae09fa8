/**
 * Transactions, their start records, the per-charger id counter and meter values.
 *
 * Item shapes (besides pk/sk, see keys.ts):
 * - transaction (keys.transaction): entity `transaction`, gsi1 transactionOfOperator
 *   (startedAt, or stoppedAt for a `start-missing` one), the TransactionRecord fields, `flags` as a
 *   string set (absent when empty, so any writer can `ADD flags :f`). Pricing and payments add
 *   their own attributes; OCPP writes after creation are UpdateItem on its own attributes only.
 * - meter values (keys.meterValues, in the transaction's partition): one item per MeterValues
 *   message (or StopTransaction's transactionData), created by a single conditional PutItem; the
 *   item mapper is meter-values-items.ts.
 * - start record (keys.startDedup): the replay key of a start.
 * - counter (keys.transactionCounter): `seq`, incremented atomically.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  MeterValuesRecord,
  StartRecord,
  StopInfo,
  TransactionFlag,
  TransactionRecord,
  TransactionRepository,
} from '../../ports/transactions.js';
import { gsi1, gsi2, keys, queries, REPRICE_DUE, startsUpToRange } from './keys.js';
import { meterValuesItem, toMeterValuesRecord } from './meter-values-items.js';
import {
  beginsWith,
  Expression,
  failedConditions,
  fromStringSet,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
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
    ...gsi1.transactionOfOperator(tx.operatorId, tx.startedAt ?? tx.stoppedAt ?? tx.createdAt),
    // New transactions are not final: listed for the reconciliation sweep until finalised.
    ...gsi2.openTransaction(tx.chargerId, tx.transactionId, tx.startedAt ?? tx.stoppedAt ?? tx.createdAt),
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
