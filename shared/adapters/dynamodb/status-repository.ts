/**
 * StatusNotification: the history item (keys.statusEvent, one conditional put, so a repeat writes
 * nothing), the connector's current status (an update that only applies if the event is newer than
 * what is stored), and the charger list's copy of it on the charger item (charger-listing.ts), under
 * the same rule. The copy is written whatever the connector item's outcome, so a repeat after a crash
 * between the two still brings the copy up to date.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StatusEvent, StatusRepository } from '../../ports/charger-status.js';
import { listStatus } from './charger-listing.js';
import { keys, queries } from './keys.js';
import {
  beginsWith,
  Expression,
  failedConditions,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
  stripKeys,
  type TableContext,
  ttlAfter,
} from './support.js';

/** How long the marker that deduplicates a timestamp-less status is kept. */
const INBOUND_MARKER_TTL_SECONDS = 7 * 24 * 60 * 60;

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
  'orderedAt',
  'messageId',
  'connectionId',
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
      if ((await putIfAbsent(this.t, historyItem)) === 'exists') history = 'duplicate';
    } else {
      // Without the charger's timestamp the key holds our arrival time, which a repeat does not
      // share: the message id marker, written in the same transaction, recognises the repeat. The
      // id is unique on its connection only (a rebooted charger counts from 1 again), so the
      // marker holds the connection too.
      try {
        await this.t.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.t.tableName,
                  Item: historyItem,
                  ConditionExpression: ITEM_ABSENT,
                },
              },
              {
                Put: {
                  TableName: this.t.tableName,
                  Item: {
                    ...keys.inboundCall(e.chargerId, e.connectionId ?? '', e.messageId),
                    entity: 'inboundCall',
                    action: 'StatusNotification',
                    expiresAt: ttlAfter(e.receivedAt, INBOUND_MARKER_TTL_SECONDS),
                  },
                  ConditionExpression: ITEM_ABSENT,
                },
              },
            ],
          }),
        );
      } catch (err) {
        if (!failedConditions(err)) throw err;
        await listStatus(this.t, e);
        return { history: 'duplicate', current: 'older' };
      }
    }

    // The current status is replaced as a whole (fields the event lacks are removed), and only by a newer event.
    const u = new Expression();
    const ts = u.name('timestamp');
    const orderedAt = u.name('orderedAt');
    const order = u.value(e.orderedAt ?? e.timestamp);
    // Items stored before `orderedAt` existed are ordered by their timestamp.
    u.when(
      `attribute_not_exists(${ts}) OR (attribute_exists(${orderedAt}) AND ${orderedAt} < ${order})` +
        ` OR (attribute_not_exists(${orderedAt}) AND ${ts} < ${order})`,
    );
    u.setAll(Object.fromEntries(STATUS_FIELDS.map((field) => [field, e[field]])), { removeUndefined: true });
    let current: 'updated' | 'older' = 'updated';
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.connector(e.chargerId, e.connectorId),
          ...u.params(),
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      current = 'older';
    }
    await listStatus(this.t, e);
    return { history, current };
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
    const { items } = await queryAll(this.t, {
      ...beginsWith(queries.statusHistory(chargerId, connectorId)),
      ConsistentRead: true,
    });
    return items.map((item) => stripKeys<StatusEvent>(item));
  }
}
