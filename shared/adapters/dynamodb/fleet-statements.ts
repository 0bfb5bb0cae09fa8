/**
 * The fleet statements' store (app/fleets/deps.ts FleetStatementStore) over the platform table:
 * - fleets: group items of kind fleet, listed from their sparse gsi1 entry (keys.ts FLEETS);
 * - a fleet's final sessions: its sparse gsi2 partition (keys.ts fleetSessionsRange), which projects
 *   every attribute, so each session's final charge comes with the query;
 * - statements (keys.fleetStatement): entity `fleetStatement`, the StoredStatement fields, created
 *   once (conditional put), then only its `emailed*` and `invoice` attributes are updated.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FleetStatementStore, StatementInvoice, StoredStatement } from '../../app/fleets/deps.js';
import type { Group } from '../../domain/entities.js';
import type { FleetSessionInput } from '../../domain/fleet-statement.js';
import type { Charge } from '../../domain/pricing.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { TransactionBilledTo } from '../../ports/transactions.js';
import { FLEETS_PARTITION, fleetSessionsRange, keys, queries } from './keys.js';
import { Expression, putIfAbsent, queryAll, queryPage, stripKeys, type TableContext } from './support.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A final transaction item as the statement reads it. */
function toFleetSession(item: Record<string, unknown>): FleetSessionInput {
  const charge = item.charge as Charge | undefined;
  const startedAt = (item.startedAt ?? item.stoppedAt ?? item.createdAt) as string;
  const billedTo = item.billedTo as TransactionBilledTo | undefined;
  return {
    chargerId: item.chargerId as string,
    transactionId: item.transactionId as number,
    ...(typeof item.siteId === 'string' ? { siteId: item.siteId } : {}),
    idTag: billedTo?.idTag ?? (item.idTag as string | undefined) ?? '',
    startedAt: Math.floor(Date.parse(startedAt) / 1000),
    energyMilliWh: charge?.energyMilliWh ?? num(item.energyMilliWh) ?? 0,
    ...(charge ? { currency: charge.currency } : {}),
    lines: charge?.lines ?? [],
  };
}

export class DynamoFleetStatements implements FleetStatementStore {
  constructor(private readonly t: TableContext) {}

  async allFleets(): Promise<Group[]> {
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': FLEETS_PARTITION },
    });
    return items.map((i) => stripKeys<Group>(i));
  }

  async fleet(operatorId: string, fleetId: string): Promise<Group | undefined> {
    const item = await this.get_(keys.group(operatorId, fleetId));
    return item && item.kind === 'fleet' ? stripKeys<Group>(item) : undefined;
  }

  async finalSessions(
    operatorId: string,
    fleetId: string,
    fromIso: string,
    toIso: string,
  ): Promise<FleetSessionInput[]> {
    const range = fleetSessionsRange(operatorId, fleetId, fromIso, toIso);
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': range.gsi2pk, ':from': range.from, ':to': range.to },
    });
    return items.map(toFleetSession);
  }

  create(record: StoredStatement): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, {
      ...keys.fleetStatement(record.operatorId, record.fleetId, record.month),
      entity: 'fleetStatement',
      ...record,
    });
  }

  async get(operatorId: string, fleetId: string, month: string): Promise<StoredStatement | undefined> {
    const item = await this.get_(keys.fleetStatement(operatorId, fleetId, month));
    return item ? stripKeys<StoredStatement>(item) : undefined;
  }

  async list(operatorId: string, fleetId: string, page: PageRequest): Promise<Page<StoredStatement>> {
    const out = await queryPage(this.t, queries.statementsOfFleet(operatorId, fleetId), undefined, page);
    return {
      items: out.items.map((i) => stripKeys<StoredStatement>(i)),
      ...(out.next ? { next: out.next } : {}),
    };
  }

  async markEmailed(
    operatorId: string,
    fleetId: string,
    month: string,
    to: string,
    at: string,
  ): Promise<void> {
    await this.update(keys.fleetStatement(operatorId, fleetId, month), (e) =>
      e.set('emailedTo', to).set('emailedAt', at),
    );
  }

  async saveInvoice(
    operatorId: string,
    fleetId: string,
    month: string,
    invoice: StatementInvoice,
  ): Promise<void> {
    await this.update(keys.fleetStatement(operatorId, fleetId, month), (e) => e.set('invoice', invoice));
  }

  async saveStripeCustomer(operatorId: string, fleetId: string, customerId: string): Promise<string> {
    const e = new Expression();
    const field = e.name('stripeCustomerId');
    e.when('attribute_exists(pk)');
    e.setRaw(`${field} = if_not_exists(${field}, ${e.value(customerId)})`);
    const out = await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.group(operatorId, fleetId),
        ...e.params(),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (out.Attributes?.stripeCustomerId as string | undefined) ?? customerId;
  }

  private async update(key: { pk: string; sk: string }, build: (e: Expression) => Expression): Promise<void> {
    const e = build(new Expression()).when('attribute_exists(pk)');
    await this.t.doc.send(new UpdateCommand({ TableName: this.t.tableName, Key: key, ...e.params() }));
  }

  private async get_(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.t.doc.send(new GetCommand({ TableName: this.t.tableName, Key: key }));
    return out.Item;
  }
}
