/**
 * Everything the Connect use cases need, as one object of ports: built once per container by the
 * composition root over DynamoDB, Stripe and SES, or over in-memory fakes in unit tests.
 */
import type { Operator } from '../../domain/entities.js';
import type { PlatformFeeRule, RefundFeePolicy } from '../../domain/platform-fee.js';
import type { Clock } from '../../ports/clock.js';
import type { ConnectGateway, ConnectStore } from '../../ports/connect.js';
import type { Log } from '../../ports/log.js';
import type { Mailer } from '../../ports/mailer.js';
import type { ReceiptOutbox } from '../../ports/payments.js';
import type { UserStore } from '../../ports/users.js';

export interface ConnectSettings {
  /** Where the platform's pages live: the invitation link and the Account Link's URLs are built on it. */
  publicBaseUrl: string;
  /** The deployment's fee; an operator's `platformFee` replaces the parts it sets. */
  fee: PlatformFeeRule;
  refundFeePolicy: RefundFeePolicy;
  /** A transfer pending longer than this is flagged (default {@link DEFAULT_PENDING_FLAG_DAYS}). */
  pendingFlagDays: number;
}

export const DEFAULT_PENDING_FLAG_DAYS = 30;

/** Seven days: how long the platform's own onboarding invitation link works. */
export const ONBOARDING_LINK_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface ConnectDeps {
  clock: Clock;
  log: Log;
  settings: ConnectSettings;
  operators: { operator(operatorId: string): Promise<Operator | undefined> };
  users: Pick<UserStore, 'user'>;
  store: ConnectStore;
  stripe: ConnectGateway;
  mailer: Mailer;
  /** The drivers' receipt outbox: a refund owes the driver a receipt, sent by the payments stream. */
  receipts: Pick<ReceiptOutbox, 'enqueue'>;
}

export const isoFromMillis = (ms: number): string => new Date(ms).toISOString();
