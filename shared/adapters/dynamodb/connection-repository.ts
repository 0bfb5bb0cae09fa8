/**
 * Live connections, two items each (keys.connection: the charger's current connection, and
 * keys.connectionById: the reverse lookup). Both expire by TTL a while after API Gateway's
 * 2 h connection limit, so a lost $disconnect leaves nothing behind for long. The charger list's
 * copy on the charger item (charger-listing.ts) follows each open and close, under its own
 * conditions: a late $connect never replaces a newer connection there, a stale $disconnect never
 * marks a newer connection offline.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { ConnectionRecord, ConnectionRepository } from '../../ports/connections.js';
import { CONNECTION_LIFETIME_MS, listConnectionClosed, listConnectionOpened } from './charger-listing.js';
import { type Key, keys } from './keys.js';
import {
  isConditionalCheckFailed,
  putIfAbsent,
  stripKeys,
  type TableContext,
  ttlSeconds,
} from './support.js';

const CONNECTION_TTL_MS = CONNECTION_LIFETIME_MS;

export class DynamoConnectionRepository<Protocol extends string = string>
  implements ConnectionRepository<Protocol>
{
  /** `clock` stamps when a connection closed (the port's close carries no time), for "offline since". */
  constructor(
    private readonly t: TableContext,
    private readonly clock: Clock = systemClock,
  ) {}

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
    // Written whatever the outcome above: the copy's own condition decides, and a retried $connect
    // thus completes a copy a crash left behind.
    await listConnectionOpened(this.t, c);
    return outcome === 'created' ? 'opened' : 'superseded';
  }

  async close(chargerId: string, connectionId: string): Promise<'closed' | 'not-current'> {
    // The list's copy first: a crash before the deletes below then leaves the charger listed offline
    // (it is) rather than online for the connection lifetime.
    await listConnectionClosed(this.t, chargerId, connectionId, this.clock.now());
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
