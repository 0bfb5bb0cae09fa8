import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyActiveAt } from '../../domain/api-key.js';
import { type Group, type Operator, operatorKindOf, type Site } from '../../domain/entities.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { SessionTransfer } from '../../ports/connect.js';
import type {
  ChargerView,
  OperatorViews,
  SessionPaymentFacts,
  TransactionView,
} from '../../ports/operator-views.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { PaymentSession } from '../../ports/payments.js';
import {
  fillListing,
  isListed,
  STORAGE_ATTRIBUTES,
  viewOfListed,
  viewOfPartition,
} from './charger-listing.js';
import { chargerViewRange, keys, queries } from './keys.js';
import { batchGetAll, beginsWith, queryAll, queryPage, stripKeys, type TableContext } from './support.js';
import { DynamoTransactionListing } from './transaction-repository.js';

/** Storage keys dropped; string sets (flags) become sorted arrays, since a Set has no JSON form. */
function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (STORAGE_ATTRIBUTES.has(k)) continue;
    out[k] = v instanceof Set ? [...v].sort() : v;
  }
  return out as T;
}

/**
 * Items per query when every charger or transaction of a range is read (the dashboard, the revenue
 * summary); DynamoDB ends a page at 1 MB before that anyway.
 */
const MAX_QUERY_LIMIT = 1000;

export class DynamoOperatorViews implements OperatorViews {
  private readonly t: TableContext;
  private readonly transactionListing: DynamoTransactionListing;

  /** `clock` tells a connection past API Gateway's lifetime from a live one (charger-listing.ts). */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
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

  /**
   * One gsi1 query per page: the charger items carry their connection and connectors
   * (charger-listing.ts). An item from before the copy existed is read from its partition once more
   * and filled, so later pages of it cost nothing extra.
   */
  async chargers(operatorId: string, page: PageRequest): Promise<Page<ChargerView>> {
    const { items, next } = await queryPage(this.t, queries.chargersOfOperator(operatorId), 'gsi1', page);
    const views = await Promise.all(items.map((item) => this.viewOf(item)));
    return {
      items: views.filter((v): v is ChargerView => v !== undefined && v.charger.operatorId === operatorId),
      ...(next ? { next } : {}),
    };
  }

  async charger(chargerId: string): Promise<ChargerView | undefined> {
    const item = await this.get(keys.charger(chargerId));
    return item ? this.viewOf(item) : undefined;
  }

  /**
   * Every charger of the operator, through the same gsi1 query as the list, in pages of up to 1 MB
   * (a few thousand chargers each), at most `maxQueries` of them; `complete` is false if more were left.
   */
  async allChargers(
    operatorId: string,
    maxQueries: number,
  ): Promise<{ views: ChargerView[]; complete: boolean; queries: number }> {
    const views: ChargerView[] = [];
    let after: string | undefined;
    let queriesSent = 0;
    do {
      const page = await this.chargers(operatorId, { limit: MAX_QUERY_LIMIT, ...(after ? { after } : {}) });
      queriesSent++;
      views.push(...page.items);
      after = page.next;
    } while (after && queriesSent < maxQueries);
    return { views, complete: after === undefined, queries: queriesSent };
  }

  /** A charger item's view: from its copy, or (older items) from its partition, filling the copy. */
  private async viewOf(chargerItem: Record<string, unknown>): Promise<ChargerView | undefined> {
    const nowMs = this.clock.now();
    if (isListed(chargerItem)) return viewOfListed(chargerItem, nowMs);
    const chargerId = String(chargerItem.chargerId);
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
        ConsistentRead: true,
      }),
    );
    const items = out.Items ?? [];
    const read = viewOfPartition(items, nowMs);
    if (!read) return undefined;
    await fillListing(this.t, chargerId, items);
    return read.view;
  }

  async transactions(operatorId: string, page: PageRequest): Promise<Page<TransactionView>> {
    // The keys-only gsi3 and its one-time move from gsi1: transaction-repository.ts.
    const { items, next } = await this.transactionListing.page(operatorId, page);
    return { items: items.map((i) => strip<TransactionView>(i)), ...(next ? { next } : {}) };
  }

  async transactionsStartedBetween(
    operatorId: string,
    fromIso: string,
    toIso: string,
    maxQueries: number,
  ): Promise<{ items: TransactionView[]; complete: boolean; queries: number }> {
    const read = await this.transactionListing.startedBetween(
      operatorId,
      fromIso,
      toIso,
      maxQueries,
      MAX_QUERY_LIMIT,
    );
    return { ...read, items: read.items.map((i) => strip<TransactionView>(i)) };
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

  /**
   * One batched read (BatchGetItem, 100 keys a call) of every paid session, transfer and billed
   * group the page names: a page of 25 sessions costs one call, not 25 reads.
   */
  async paymentFacts(
    operatorId: string,
    transactions: readonly TransactionView[],
  ): Promise<SessionPaymentFacts> {
    const sessionIds = new Set<string>();
    const groupIds = new Set<string>();
    for (const tx of transactions) {
      if (tx.operatorId !== operatorId) continue;
      if (typeof tx.paymentSessionId === 'string') sessionIds.add(tx.paymentSessionId);
      const groupId = (tx.billedTo as { groupId?: unknown } | undefined)?.groupId;
      if (typeof groupId === 'string') groupIds.add(groupId);
    }
    const wanted = [
      ...[...sessionIds].flatMap((id) => [keys.paymentSession(id), keys.sessionTransfer(id)]),
      ...[...groupIds].map((id) => keys.group(operatorId, id)),
    ];
    const facts = {
      sessions: new Map<string, PaymentSession>(),
      transfers: new Map<string, SessionTransfer>(),
      groups: new Map<string, Group>(),
    };
    if (wanted.length === 0) return facts;
    for (const item of await batchGetAll(this.t, wanted)) {
      // Every item is checked against the caller: a session id names no operator by itself.
      if (item.operatorId !== operatorId) continue;
      const sessionId = String(item.sessionId);
      if (item.pk === keys.paymentSession(sessionId).pk)
        facts.sessions.set(sessionId, stripKeys<PaymentSession>(item));
      else if (item.pk === keys.sessionTransfer(sessionId).pk)
        facts.transfers.set(sessionId, stripKeys<SessionTransfer>(item));
      else if (typeof item.groupId === 'string') facts.groups.set(item.groupId, stripKeys<Group>(item));
    }
    return facts;
  }
}
