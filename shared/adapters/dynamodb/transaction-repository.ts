/**
 * Transactions, their start records, the per-charger id counter and meter values.
 *
 * Item shapes (besides pk/sk, see keys.ts):
 * - transaction `TX#<chargerId>#<txId>` / `TX`: entity `transaction`, gsi1 transactionOfOperator
 *   (startedAt, or stoppedAt for a `start-missing` one), the TransactionRecord fields, `flags` as a
 *   string set (absent when empty, so any writer can `ADD flags :f`). Pricing and payments add
 *   their own attributes; OCPP writes after creation are UpdateItem on its own attributes only.
 * - meter values `TX#<chargerId>#<txId>` / `MV#<messageId>`: one item per MeterValues message (or
 *   StopTransaction's transactionData), created by a single conditional PutItem.
 * - start record `CP#<chargerId>` / `TXSTART#<nnnn>#<timestamp>`: the replay key of a start.
 * - counter `CP#<chargerId>` / `TXSEQ`: `seq`, incremented atomically.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  MeterValuesRecord,
  StartRecord,
  StopInfo,
  TransactionFlag,
  TransactionRecord,
  TransactionRepository,
} from '../../ports/transactions.js';
import { gsi1, keys } from './keys.js';
import {
  failedConditions,
  fromStringSet,
  isConditionalCheckFailed,
  stringSet,
  stripKeys,
  type TableContext,
} from './support.js';

export function transactionItem(tx: TransactionRecord): Record<string, unknown> {
  const { flags, ...rest } = tx;
  return {
    ...keys.transaction(tx.chargerId, tx.transactionId),
    ...gsi1.transactionOfOperator(tx.operatorId, tx.startedAt ?? tx.stoppedAt ?? tx.createdAt),
    entity: 'transaction',
    ...rest,
    flags: stringSet(flags),
  };
}

export function meterValuesItem(r: MeterValuesRecord): Record<string, unknown> {
  const key =
    r.transactionId !== undefined
      ? keys.meterValues(r.chargerId, r.transactionId, r.messageId)
      : keys.chargerMeterValues(
          r.chargerId,
          r.connectorId,
          r.meterValue[0]?.timestamp ?? r.receivedAt,
          r.messageId,
        );
  return { ...key, entity: 'meterValues', ...r, flags: stringSet(r.flags) };
}

const toTransaction = (item: Record<string, unknown>): TransactionRecord => {
  const tx = stripKeys<TransactionRecord>(item);
  tx.flags = fromStringSet(item.flags);
  return tx;
};

const toMeterValues = (item: Record<string, unknown>): MeterValuesRecord => {
  const r = stripKeys<MeterValuesRecord>(item);
  r.flags = fromStringSet(item.flags);
  return r;
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

  async nextTransactionId(chargerId: string): Promise<number> {
    const out = await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.transactionCounter(chargerId),
        UpdateExpression: 'ADD seq :one SET entity = :e',
        ExpressionAttributeValues: { ':one': 1, ':e': 'transactionCounter' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = out.Attributes?.seq;
    if (typeof seq !== 'number') throw new Error('transaction counter returned no number');
    return seq;
  }

  async reserveTransactionId(chargerId: string, transactionId: number): Promise<void> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transactionCounter(chargerId),
          UpdateExpression: 'SET seq = :id, entity = :e',
          ConditionExpression: 'attribute_not_exists(seq) OR seq < :id',
          ExpressionAttributeValues: { ':id': transactionId, ':e': 'transactionCounter' },
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
    const txPut = {
      TableName: this.t.tableName,
      Item: transactionItem(tx),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    if (!start) {
      try {
        await this.t.doc.send(new PutCommand(txPut));
        return 'created';
      } catch (err) {
        if (isConditionalCheckFailed(err)) return 'id-taken';
        throw err;
      }
    }
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
                ConditionExpression: 'attribute_not_exists(pk)',
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
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':stopped': 'stopped',
      ':active': 'active',
      ':now': receivedAt,
    };
    const sets = ['#status = :stopped', 'updatedAt = :now'];
    Object.entries(fields).forEach(([k, v], i) => {
      if (v === undefined) return;
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      sets.push(`#f${i} = :v${i}`);
    });
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(chargerId, transactionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(stoppedAt) AND #status = :active',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'stopped';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (err as { Item?: unknown }).Item ? 'already-stopped' : 'missing';
    }
  }

  async createFromStop(tx: TransactionRecord): Promise<'created' | 'exists'> {
    try {
      await this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: transactionItem(tx),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'exists';
      throw err;
    }
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
    try {
      await this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: meterValuesItem(r),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'stored';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'duplicate';
      throw err;
    }
  }

  async meterValuesOf(chargerId: string, transactionId: number): Promise<MeterValuesRecord[]> {
    const { pk } = keys.transaction(chargerId, transactionId);
    const items: MeterValuesRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :mv)',
          ExpressionAttributeValues: { ':pk': pk, ':mv': 'MV#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) items.push(toMeterValues(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
