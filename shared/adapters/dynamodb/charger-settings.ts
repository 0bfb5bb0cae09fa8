/**
 * The operator's changes to its chargers (ports/catalog.ts ChargerSettings). Every write is an
 * UpdateItem (or a delete) conditioned on the charger's `operatorId`: the charger item is shared
 * with OCPP (boot info, heartbeats) and with the listing's denormalised status, so a settings
 * change sets only its own attributes and never replaces the item; another operator's charger fails
 * the condition and reads as missing.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Charger } from '../../domain/entities.js';
import type { ChargerChanges, ChargerSettings } from '../../ports/catalog.js';
import { chargerViewRange, keyOf, keys } from './keys.js';
import { Expression, isConditionalCheckFailed, stripKeys, type TableContext } from './support.js';
import { DynamoTransactionRepository } from './transaction-repository.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;

export class DynamoChargerSettings implements ChargerSettings {
  private readonly t: TableContext;
  private readonly transactions: DynamoTransactionRepository;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
    this.transactions = new DynamoTransactionRepository(this.t);
  }

  async update(
    operatorId: string,
    chargerId: string,
    changes: ChargerChanges,
  ): Promise<{ outcome: 'updated'; charger: Omit<Charger, 'passwordHash'> } | { outcome: 'not-found' }> {
    const e = new Expression();
    e.when(`${e.name('operatorId')} = ${e.value(operatorId)}`);
    const fields = Object.fromEntries(
      Object.entries(changes)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, v === null ? undefined : v]),
    );
    e.setAll(fields, { removeUndefined: true });
    if (!e.update()) {
      const current = await this.get(chargerId);
      return current?.operatorId === operatorId
        ? { outcome: 'updated', charger: current }
        : { outcome: 'not-found' };
    }
    try {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.charger(chargerId),
          ...e.params(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { passwordHash: _hidden, ...charger } = stripKeys<Charger>(out.Attributes ?? {});
      return { outcome: 'updated', charger };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return { outcome: 'not-found' };
      throw err;
    }
  }

  async setPasswordHash(
    operatorId: string,
    chargerId: string,
    passwordHash: string,
  ): Promise<'updated' | 'not-found'> {
    const e = new Expression();
    e.when(`${e.name('operatorId')} = ${e.value(operatorId)}`).set('passwordHash', passwordHash);
    try {
      await this.t.doc.send(
        new UpdateCommand({ TableName: this.t.tableName, Key: keys.charger(chargerId), ...e.params() }),
      );
      return 'updated';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-found';
      throw err;
    }
  }

  async delete(operatorId: string, chargerId: string): Promise<'deleted' | 'not-found'> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: keys.charger(chargerId),
          ConditionExpression: '#op = :op',
          ExpressionAttributeNames: { '#op': 'operatorId' },
          ExpressionAttributeValues: { ':op': operatorId },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-found';
      throw err;
    }
    // The connector statuses would otherwise show on a charger registered again under this id.
    const out = await this.t.doc.send(
      new QueryCommand({
        TableName: this.t.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :z',
        ExpressionAttributeValues: {
          ':pk': keys.charger(chargerId).pk,
          ':a': chargerViewRange.from,
          ':z': chargerViewRange.to,
        },
        ProjectionExpression: 'pk, sk',
      }),
    );
    const connectors = (out.Items ?? []).filter((i) => keyOf.isConnector(String(i.sk)));
    for (let i = 0; i < connectors.length; i += BATCH_WRITE_LIMIT) {
      await this.t.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.t.tableName]: connectors
              .slice(i, i + BATCH_WRITE_LIMIT)
              .map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })),
          },
        }),
      );
    }
    return 'deleted';
  }

  /**
   * The latest start of each connector, and the latest transaction id the charger's counter handed
   * out (a transaction created from its stop has no start record): a charger has at most one
   * session per connector running, so an open one is among these.
   */
  async hasOpenTransaction(chargerId: string, connectorCount: number): Promise<boolean> {
    const latestStarts = await Promise.all(
      Array.from({ length: connectorCount }, (_, i) =>
        // `~` sorts after every ISO-8601 character: the latest start of all.
        this.transactions.latestStartBefore(chargerId, i + 1, '~'),
      ),
    );
    const counter = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.transactionCounter(chargerId),
        ConsistentRead: true,
      }),
    );
    const ids = new Set(latestStarts.flatMap((s) => (s ? [s.transactionId] : [])));
    if (typeof counter.Item?.seq === 'number') ids.add(counter.Item.seq);
    const transactions = await Promise.all([...ids].map((id) => this.transactions.get(chargerId, id)));
    return transactions.some((tx) => tx !== undefined && tx.status !== 'final');
  }

  private async get(chargerId: string): Promise<Omit<Charger, 'passwordHash'> | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.charger(chargerId) }),
    );
    if (!out.Item) return undefined;
    const { passwordHash: _hidden, ...charger } = stripKeys<Charger>(out.Item);
    return charger;
  }
}
