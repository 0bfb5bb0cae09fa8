/**
 * Live connections, two items each: CP#<chargerId>/CONNECTION (the charger's current connection)
 * and CONN#<connectionId>/CONN (the reverse lookup). Both expire by TTL a while after API Gateway's
 * 2 h connection limit, so a lost $disconnect leaves nothing behind for long.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord, ConnectionRepository } from '../../ports/connections.js';
import { keys } from './keys.js';
import { isConditionalCheckFailed, stripKeys, type TableContext, ttlSeconds } from './support.js';

const CONNECTION_TTL_MS = 3 * 60 * 60 * 1000;

export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(private readonly t: TableContext) {}

  async open(c: ConnectionRecord): Promise<'opened' | 'superseded'> {
    const expiresAt = ttlSeconds(c.connectedAt + CONNECTION_TTL_MS);
    await this.t.doc.send(
      new PutCommand({
        TableName: this.t.tableName,
        Item: { ...keys.connectionById(c.connectionId), entity: 'connectionById', ...c, expiresAt },
      }),
    );
    try {
      await this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: { ...keys.connection(c.chargerId), entity: 'connection', ...c, expiresAt },
          // A $connect processed late must not replace the record of a newer connection.
          ConditionExpression: 'attribute_not_exists(pk) OR connectedAt <= :at',
          ExpressionAttributeValues: { ':at': c.connectedAt },
        }),
      );
      return 'opened';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'superseded';
      throw err;
    }
  }

  async close(chargerId: string, connectionId: string): Promise<'closed' | 'not-current'> {
    await this.t.doc.send(
      new DeleteCommand({ TableName: this.t.tableName, Key: keys.connectionById(connectionId) }),
    );
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: keys.connection(chargerId),
          ConditionExpression: 'connectionId = :cid',
          ExpressionAttributeValues: { ':cid': connectionId },
        }),
      );
      return 'closed';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-current';
      throw err;
    }
  }

  async current(chargerId: string): Promise<ConnectionRecord | undefined> {
    return this.read(keys.connection(chargerId));
  }

  async byConnectionId(connectionId: string): Promise<ConnectionRecord | undefined> {
    return this.read(keys.connectionById(connectionId));
  }

  private async read(key: { pk: string; sk: string }): Promise<ConnectionRecord | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: key, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { expiresAt: _, ...rest } = stripKeys<ConnectionRecord & { expiresAt?: number }>(out.Item);
    return rest;
  }
}
