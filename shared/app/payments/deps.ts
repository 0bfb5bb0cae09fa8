/**
 * Everything the payments use cases need, as one object of ports. Built once per container by the
 * composition root (shared/lambda) over DynamoDB, Stripe, SES and the OCPP command path, or over
 * in-memory fakes in unit tests.
 */
import type { Charger, Operator, Site } from '../../domain/entities.js';
import type { Tariff } from '../../domain/tariff.js';
import type { Clock, IdGenerator } from '../../ports/clock.js';
import type { ConnectStore } from '../../ports/connect.js';
import type { Log } from '../../ports/log.js';
import type { Mailer } from '../../ports/mailer.js';
import type {
  IdTagWriter,
  PaymentGateway,
  PaymentSessionRepository,
  ReceiptComposer,
  ReceiptOutbox,
  SessionCharger,
  SessionTransactions,
} from '../../ports/payments.js';
import type { SessionTokens } from './tokens.js';

export interface PaymentSettings {
  /** No StartTransaction this long after the hold: the hold is cancelled as `abandoned`. */
  startTimeoutSeconds: number;
  /** How long starting a session waits for the charger's answer to RemoteStartTransaction. */
  remoteStartWaitMs: number;
  /** Where the pages live; Transaction URLs are built on it. */
  publicBaseUrl: string;
  /**
   * How often the sweeper looks at a charging session's transaction for what the charge-finalised
   * event never brings (review-unpriceable.ts). Default {@link DEFAULT_SETTLEMENT_CHECK_SECONDS}.
   */
  settlementCheckSeconds?: number;
}

/** Ten minutes: a driver whose session cannot be priced has the hold released that soon after the stop. */
export const DEFAULT_SETTLEMENT_CHECK_SECONDS = 600;

/** What payments reads of the catalog: the charger, its operator and site. */
export interface PaymentCatalog {
  charger(chargerId: string): Promise<Charger | undefined>;
  operator(operatorId: string): Promise<Operator | undefined>;
  site(operatorId: string, siteId: string): Promise<Site | undefined>;
  /** The tariff drivers of this charger pay (the public one: charger over site). */
  publicTariff(charger: Charger): Promise<Tariff | undefined>;
}

export interface PaymentsDeps {
  clock: Clock;
  ids: IdGenerator;
  log: Log;
  settings: PaymentSettings;
  catalog: PaymentCatalog;
  /** The operators' connected accounts: a paid charger takes no card before its operator onboards. */
  connect: Pick<ConnectStore, 'account'>;
  /** Issues the session's idTag to the operator's tags (kind `driver`) so the charger's Authorize accepts it. */
  idTags: IdTagWriter;
  sessions: PaymentSessionRepository;
  payments: PaymentGateway;
  charger: SessionCharger;
  transactions: SessionTransactions;
  outbox: ReceiptOutbox;
  /** Derives each session's Transaction URL token (only its hash is stored). */
  tokens: SessionTokens;
  mailer: Mailer;
  receipts: ReceiptComposer;
}

/** Stored times are ISO-8601 UTC strings (see the key table in shared/adapters/dynamodb/keys.ts). */
export const isoFromMillis = (ms: number): string => new Date(ms).toISOString();
