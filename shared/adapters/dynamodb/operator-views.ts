import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyActiveAt } from '../../domain/api-key.js';
import { type Charger, type Operator, operatorKindOf, type Site } from '../../domain/entities.js';
import type {
  ChargerView,
  ConnectorView,
  OperatorViews,
  TransactionView,
} from '../../ports/operator-views.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { chargerViewRange, keyOf, keys, queries } from './keys.js';
import { beginsWith, queryAll, queryPage, type TableContext } from './support.js';
import { DynamoTransactionListing } from './transaction-repository.js';

const STORAGE_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'entity',
  'expiresAt',
]);

/** Storage keys dropped; string sets (flags) become sorted arrays, since a Set has no JSON form. */
function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (STORAGE_ATTRIBUTES.has(k)) continue;
    out[k] = v instanceof Set ? [...v].sort() : v;
  }
  return out as T;
}

export class DynamoOperatorViews implements OperatorViews {
  private readonly t: TableContext;
  private readonly transactionListing: DynamoTransactionListing;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.t = { doc: db, tableName };
    this.transactionListing = new DynamoTransactionListing(this.t);
  }

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return out.Item;
  }

  async operatorForApiKey(apiKeyHash: string, atMs: number): Promise<string | undefined> {
    const item = await this.get(keys.apiKey(apiKeyHash));
    if (typeof item?.operatorId !== 'string') return undefined;
    const revokedAt = typeof item.revokedAt === 'string' ? item.revokedAt : undefined;
    return apiKeyActiveAt(revokedAt, atMs) ? item.operatorId : undefined;
  }

  async operator(operatorId: string): Promise<Operator | undefined> {
    const item = await this.get(keys.operator(operatorId));
    if (!item) return undefined;
    const operator = strip<Operator>(item);
    return { ...operator, kind: operatorKindOf(operator) };
  }

  async site(operatorId: string, siteId: string): Promise<Site | undefined> {
    const item = await this.get(keys.site(operatorId, siteId));
    return item ? strip<Site>(item) : undefined;
  }

  async tariff(operatorId: string, tariffId: string): Promise<Record<string, unknown> | undefined> {
    const item = await this.get(keys.tariff(operatorId, tariffId));
    return item ? strip<Record<string, unknown>>(item) : undefined;
  }

  async chargers(operatorId: string, page: PageRequest): Promise<Page<ChargerView>> {
    const { items, next } = await queryPage(this.t, queries.chargersOfOperator(operatorId), 'gsi1', page, {
      ProjectionExpression: '#cid',
      ExpressionAttributeNames: { '#cid': 'chargerId' },
    });
    const ids = items.flatMap((item) => (typeof item.chargerId === 'string' ? [item.chargerId] : []));
    const views = await Promise.all(ids.map((id) => this.charger(id)));
    return {
      items: views.filter((v): v is ChargerView => v !== undefined && v.charger.operatorId === operatorId),
      ...(next ? { next } : {}),
    };
  }

  async charger(chargerId: string): Promise<ChargerView | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :z',
        // The charger, its connection and its connectors sort together (keys.ts chargerViewRange).
        ExpressionAttributeValues: {
          ':pk': keys.charger(chargerId).pk,
          ':a': chargerViewRange.from,
          ':z': chargerViewRange.to,
        },
      }),
    );
    const items = out.Items ?? [];
    const chargerItem = items.find((i) => keyOf.isCharger(String(i.sk)));
    if (!chargerItem) return undefined;
    const { passwordHash: _hidden, ...charger } = strip<Charger>(chargerItem);
    const connection = items.find((i) => keyOf.isConnection(String(i.sk)));
    const connectors: ConnectorView[] = items
      .filter((i) => keyOf.isConnector(String(i.sk)))
      .map((i) => ({
        connectorId: Number(i.connectorId ?? keyOf.connectorId(String(i.sk))),
        status: String(i.status ?? 'Unknown'),
        ...(i.errorCode ? { errorCode: String(i.errorCode) } : {}),
        ...(i.info ? { info: String(i.info) } : {}),
        ...(i.timestamp ? { timestamp: String(i.timestamp) } : {}),
      }));
    return {
      charger,
      connectors,
      ...(connection
        ? {
            connection: {
              connectionId: String(connection.connectionId),
              connectedAt: String(connection.connectedAt ?? ''),
              ...(connection.protocol ? { protocol: String(connection.protocol) } : {}),
            },
          }
        : {}),
    };
  }

  async transactions(operatorId: string, page: PageRequest): Promise<Page<TransactionView>> {
    // The keys-only gsi3 and its one-time move from gsi1: transaction-repository.ts.
    const { items, next } = await this.transactionListing.page(operatorId, page);
    return { items: items.map((i) => strip<TransactionView>(i)), ...(next ? { next } : {}) };
  }

  async transaction(chargerId: string, transactionId: number): Promise<TransactionView | undefined> {
    const item = await this.get(keys.transaction(chargerId, transactionId));
    return item ? strip<TransactionView>(item) : undefined;
  }

  async meterValueCount(chargerId: string, transactionId: number): Promise<number> {
    const { count } = await queryAll(this.t, {
      ...beginsWith(queries.meterValues(chargerId, transactionId)),
      Select: 'COUNT',
    });
    return count;
  }
}
