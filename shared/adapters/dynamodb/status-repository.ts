/**
 * StatusNotification: the history item (CPSTATUS#<chargerId>/<nnnn>#<timestamp>#<messageId>,
 * one conditional put, so a repeat writes nothing) and the connector's current status (an update
 * that only applies if the event is newer than what is stored).
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StatusEvent, StatusRepository } from '../../ports/charger-status.js';
import { keys } from './keys.js';
import {
  failedConditions,
  isConditionalCheckFailed,
  stripKeys,
  type TableContext,
  ttlSeconds,
} from './support.js';

/** How long the marker that deduplicates a timestamp-less status is kept. */
const INBOUND_MARKER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const STATUS_FIELDS = [
  'chargerId',
  'operatorId',
  'connectorId',
  'status',
  'errorCode',
  'info',
  'vendorId',
  'vendorErrorCode',
  'timestamp',
  'timestampSource',
  'messageId',
  'receivedAt',
] as const;

export class DynamoStatusRepository implements StatusRepository {
  constructor(private readonly t: TableContext) {}

  async record(e: StatusEvent): Promise<{ history: 'stored' | 'duplicate'; current: 'updated' | 'older' }> {
    const historyItem = {
      ...keys.statusEvent(e.chargerId, e.connectorId, e.timestamp, e.messageId),
      entity: 'statusEvent',
      ...e,
    };
    let history: 'stored' | 'duplicate' = 'stored';
    if (e.timestampSource === 'charger') {
      try {
        await this.t.doc.send(
          new PutCommand({
            TableName: this.t.tableName,
            Item: historyItem,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        history = 'duplicate';
      }
    } else {
      // Without the charger's timestamp the key holds our arrival time, which a repeat does not
      // share: the message id marker, written in the same transaction, recognises the repeat.
      try {
        await this.t.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.t.tableName,
                  Item: historyItem,
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: this.t.tableName,
                  Item: {
                    ...keys.inboundCall(e.chargerId, e.messageId),
                    entity: 'inboundCall',
                    action: 'StatusNotification',
                    expiresAt: ttlSeconds(Date.parse(e.receivedAt) + INBOUND_MARKER_TTL_MS),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
      } catch (err) {
        if (!failedConditions(err)) throw err;
        return { history: 'duplicate', current: 'older' };
      }
    }

    const names: Record<string, string> = { '#ts': 'timestamp' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    STATUS_FIELDS.forEach((field, i) => {
      names[`#f${i}`] = field;
      const v = e[field];
      if (v === undefined) removes.push(`#f${i}`);
      else {
        values[`:v${i}`] = v;
        sets.push(`#f${i} = :v${i}`);
      }
    });
    values[':ts'] = e.timestamp;
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.connector(e.chargerId, e.connectorId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(#ts) OR #ts < :ts',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return { history, current: 'updated' };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return { history, current: 'older' };
      throw err;
    }
  }

  async current(chargerId: string, connectorId: number): Promise<StatusEvent | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.connector(chargerId, connectorId),
        ConsistentRead: true,
      }),
    );
    return out.Item?.status !== undefined ? stripKeys<StatusEvent>(out.Item) : undefined;
  }

  async history(chargerId: string, connectorId: number): Promise<StatusEvent[]> {
    const { pk, sk } = keys.statusEvent(chargerId, connectorId, '', '');
    const prefix = sk.slice(0, sk.indexOf('#') + 1);
    const items: StatusEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) items.push(stripKeys<StatusEvent>(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
