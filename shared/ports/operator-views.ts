/**
 * Read models for the operator API, the console and the driver pages. Every query is scoped to one
 * operator (tenancy): no operator can read another's chargers or transactions.
 */
import type { Charger, Group, Operator, Site } from '../domain/entities.js';
import type { SessionTransfer } from './connect.js';
import type { Page, PageRequest } from './paging.js';
import type { PaymentSession } from './payments.js';

export interface ConnectorView {
  connectorId: number;
  status: string;
  errorCode?: string;
  info?: string;
  timestamp?: string;
}

export interface ConnectionView {
  connectionId: string;
  /** ISO 8601. */
  connectedAt: string;
  protocol?: string;
}

export interface ChargerView {
  charger: Omit<Charger, 'passwordHash'>;
  connectors: ConnectorView[];
  /** Present while the charger is connected. */
  connection?: ConnectionView;
  /** When the charger's last connection closed (ISO 8601), when known; absent while connected. */
  offlineSince?: string;
}

/** A transaction as stored, minus storage keys; its charge fields are filled by the recompute. */
export type TransactionView = Record<string, unknown> & {
  chargerId: string;
  transactionId: number;
  operatorId: string;
};

/**
 * What the sessions' payment part is made of (http/openapi/resources.ts sessionPaymentOut), read for
 * a page of transactions at once: only the operator's own records are in it.
 */
export interface SessionPaymentFacts {
  /** Paid sessions by session id (the transaction's `paymentSessionId`). */
  sessions: ReadonlyMap<string, PaymentSession>;
  /** Captured sessions' transfers by session id: the platform fee and the refunds. */
  transfers: ReadonlyMap<string, SessionTransfer>;
  /** The groups and fleets sessions are billed to, by group id. */
  groups: ReadonlyMap<string, Group>;
}

export const NO_PAYMENT_FACTS: SessionPaymentFacts = {
  sessions: new Map(),
  transfers: new Map(),
  groups: new Map(),
};

export interface OperatorViews {
  /**
   * The operator of the API key with this SHA-256, if the key works at `atMs` (epoch ms): unknown and
   * revoked keys both read as undefined (domain/api-key.ts apiKeyActiveAt).
   */
  operatorForApiKey(apiKeyHash: string, atMs: number): Promise<string | undefined>;
  operator(operatorId: string): Promise<Operator | undefined>;
  site(operatorId: string, siteId: string): Promise<Site | undefined>;
  tariff(operatorId: string, tariffId: string): Promise<Record<string, unknown> | undefined>;
  /** One page of the operator's chargers, in charger id order; a foreign or forged cursor throws InvalidCursorError. */
  chargers(operatorId: string, page: PageRequest): Promise<Page<ChargerView>>;
  /** Any operator's charger, for the public driver page; callers expose only public fields. */
  charger(chargerId: string): Promise<ChargerView | undefined>;
  /**
   * Every charger of the operator with its status, read as the list reads them (never one request
   * per charger), in at most `maxQueries` queries; `complete` is false when that cut the read short.
   */
  allChargers(
    operatorId: string,
    maxQueries: number,
  ): Promise<{ views: ChargerView[]; complete: boolean; queries: number }>;
  /**
   * The operator's transactions that started in [fromIso, toIso) (ISO 8601 UTC instants), in start
   * order, in at most `maxQueries` queries; `complete` is false when that cut the read short.
   */
  transactionsStartedBetween(
    operatorId: string,
    fromIso: string,
    toIso: string,
    maxQueries: number,
  ): Promise<{ items: TransactionView[]; complete: boolean; queries: number }>;
  /** One page of the operator's transactions, newest first; a foreign or forged cursor throws InvalidCursorError. */
  transactions(operatorId: string, page: PageRequest): Promise<Page<TransactionView>>;
  transaction(chargerId: string, transactionId: number): Promise<TransactionView | undefined>;
  meterValueCount(chargerId: string, transactionId: number): Promise<number>;
  /**
   * The paid sessions, transfers and billed groups of these transactions of the operator, in one
   * batched read (never one request per transaction); another operator's records are left out.
   */
  paymentFacts(operatorId: string, transactions: readonly TransactionView[]): Promise<SessionPaymentFacts>;
}
