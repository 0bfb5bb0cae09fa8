/**
 * Finaliser timers (keys.chargeTimer): "look at this transaction at `dueAt`" items, spread over
 * CHARGE_TIMER_SHARDS partitions and sorted by due time, so that the finaliser (app/pricing
 * finalise.ts) finds what is due with one query per shard, never a scan. A timer is written and
 * deleted in the same transaction as the charge write that decides it (charge-repository.ts).
 */
import { DeleteCommand, QueryCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChargeTimer, TxKey } from '../../ports/charges.js';
import { chargeTimerPartitions, epochSortKey, keys } from './keys.js';
import type { TableContext } from './support.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Timers are deleted when done; TTL removes any left behind after this long. */
const LEFTOVER_TTL_SECONDS = 30 * 24 * 3600;

export class DynamoChargeTimers {
  constructor(private readonly t: TableContext) {}

  /** Timers due at or before `now` (epoch seconds), oldest first, at most `limit`. */
  async due(now: number, limit: number): Promise<ChargeTimer[]> {
    const upper = epochSortKey(now + 1);
    const shards = await Promise.all(
      chargeTimerPartitions().map(async (partition) => {
        // One page per shard is enough: at most `limit` timers are wanted in all.
        const out = await this.t.doc.send(
          new QueryCommand({
            TableName: this.t.tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :upper',
            ExpressionAttributeValues: { ':pk': partition, ':upper': upper },
            Limit: limit,
            ConsistentRead: true,
          }),
        );
        return (out.Items ?? []).map(
          (item): ChargeTimer => ({
            key: { chargerId: item.chargerId as string, transactionId: item.transactionId as number },
            dueAt: item.dueAt as number,
          }),
        );
      }),
    );
    return shards
      .flat()
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
  }

  async delete(timer: ChargeTimer): Promise<void> {
    await this.t.doc.send(new DeleteCommand(this.deleteItem(timer).Delete));
  }

  /** The timer's Put, for a transaction. */
  putItem(key: TxKey, dueAt: number): TransactItem {
    return {
      Put: {
        TableName: this.t.tableName,
        Item: {
          ...keys.chargeTimer(dueAt, key.chargerId, key.transactionId),
          entity: 'chargeTimer',
          chargerId: key.chargerId,
          transactionId: key.transactionId,
          dueAt,
          expiresAt: dueAt + LEFTOVER_TTL_SECONDS,
        },
      },
    };
  }

  /** The timer's Delete, for a transaction. */
  deleteItem(timer: ChargeTimer): TransactItem & { Delete: NonNullable<TransactItem['Delete']> } {
    return {
      Delete: {
        TableName: this.t.tableName,
        Key: keys.chargeTimer(timer.dueAt, timer.key.chargerId, timer.key.transactionId),
      },
    };
  }
}
