/**
 * Live connections, two items each (keys.connection: the charger's current connection, and
 * keys.connectionById: the reverse lookup). Both expire by TTL a while after API Gateway's
 * 2 h connection limit, so a lost $disconnect leaves nothing behind for long.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord, ConnectionRepository } from '../../ports/connections.js';
import { type Key, keys } from './keys.js';
import {
  isConditionalCheckFailed,
  putIfAbsent,
  stripKeys,
  type TableContext,
  ttlSeconds,
} from './support.js';

const CONNECTION_TTL_MS = 3 * 60 * 60 * 1000;

export class DynamoConnectionRepository<Protocol extends string = string>
  implements ConnectionRepository<Protocol>
{
  constructor(private readonly t: TableContext) {}

  async open(c: ConnectionRecord<Protocol>): Promise<'opened' | 'superseded'> {
    const expiresAt = ttlSeconds(c.connectedAt + CONNECTION_TTL_MS);
    await this.t.doc.send(
      new PutCommand({
        TableName: this.t.tableName,
        Item: { ...keys.connectionById(c.connectionId), entity: 'connectionById', ...c, expiresAt },
      }),
    );
    // A $connect processed late must not replace the record of a newer connection.
    const outcome = await putIfAbsent(
      this.t,
      { ...keys.connection(c.chargerId), entity: 'connection', ...c, expiresAt },
      { condition: 'connectedAt <= :at', values: { ':at': c.connectedAt } },
    );
    return outcome === 'created' ? 'opened' : 'superseded';
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

  async current(chargerId: string): Promise<ConnectionRecord<Protocol> | undefined> {
    return this.read(keys.connection(chargerId));
  }

  async byConnectionId(connectionId: string): Promise<ConnectionRecord<Protocol> | undefined> {
    return this.read(keys.connectionById(connectionId));
  }

  private async read(key: Key): Promise<ConnectionRecord<Protocol> | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: key, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { expiresAt: _, ...rest } = stripKeys<ConnectionRecord<Protocol> & { expiresAt?: number }>(
      out.Item,
    );
    return rest;
  }
}
