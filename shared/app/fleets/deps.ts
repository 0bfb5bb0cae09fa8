/**
 * What the fleet statement use cases need, as one object of ports: the fleets and their final
 * sessions (a sparse index, adapters/dynamodb/fleet-statements.ts), the stored statements, Stripe's
 * invoices, the operator, the mailer and a clock.
 */

import type { Group, Operator } from '../../domain/entities.js';
import type { FleetSessionInput, FleetStatement, StatementMonth } from '../../domain/fleet-statement.js';
import type { Clock } from '../../ports/clock.js';
import type { Log } from '../../ports/log.js';
import type { Mailer } from '../../ports/mailer.js';
import type { Page, PageRequest } from '../../ports/paging.js';

/** The Stripe invoice of a statement, as far as it got (each step is idempotent, see monthly-statements.ts). */
export interface StatementInvoice {
  stripeInvoiceId: string;
  /** `created`: a draft exists; `sent`: finalised and sent to the billing contact. */
  status: 'created' | 'sent';
  number?: string;
  amountDueMinor?: number;
  sentAt?: string;
}

/** A statement as stored: the figures built once (a rerun or a resend shows the same ones). */
export interface StoredStatement {
  operatorId: string;
  fleetId: string;
  month: StatementMonth;
  createdAt: string;
  statement: FleetStatement;
  /** Where and when the monthly email went (absent until it has). */
  emailedTo?: string;
  emailedAt?: string;
  invoice?: StatementInvoice;
}

export interface FleetStatementStore {
  /** Every fleet of every operator (a sparse index of fleets), for the monthly run. */
  allFleets(): Promise<Group[]>;
  fleet(operatorId: string, fleetId: string): Promise<Group | undefined>;
  /** A fleet's final sessions that started in [fromIso, toIso). */
  finalSessions(
    operatorId: string,
    fleetId: string,
    fromIso: string,
    toIso: string,
  ): Promise<FleetSessionInput[]>;
  /** Writes the statement unless one exists for the fleet and month. */
  create(record: StoredStatement): Promise<'created' | 'exists'>;
  get(operatorId: string, fleetId: string, month: StatementMonth): Promise<StoredStatement | undefined>;
  /** A fleet's statements, oldest month first. */
  list(operatorId: string, fleetId: string, page: PageRequest): Promise<Page<StoredStatement>>;
  markEmailed(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    to: string,
    at: string,
  ): Promise<void>;
  saveInvoice(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    invoice: StatementInvoice,
  ): Promise<void>;
  /** Keeps the fleet's Stripe customer, unless it already has one (then that one is answered). */
  saveStripeCustomer(operatorId: string, fleetId: string, customerId: string): Promise<string>;
}

/** Stripe's invoices for fleets, each call under the idempotency key it is given. */
export interface FleetInvoicing {
  createCustomer(
    input: { email: string; name: string; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<string>;
  /** A `send_invoice` draft for the customer. */
  createInvoice(
    input: {
      customerId: string;
      currency: string;
      description: string;
      daysUntilDue: number;
      metadata: Record<string, string>;
    },
    idempotencyKey: string,
  ): Promise<string>;
  invoice(invoiceId: string): Promise<{ status: string; amountDueMinor: number; number: string | null }>;
  addItem(
    input: {
      customerId: string;
      invoiceId: string;
      amountMinor: number;
      currency: string;
      description: string;
    },
    idempotencyKey: string,
  ): Promise<void>;
  finalize(
    invoiceId: string,
    idempotencyKey: string,
  ): Promise<{ number: string | null; amountDueMinor: number }>;
  send(invoiceId: string, idempotencyKey: string): Promise<void>;
}

export interface FleetsDeps {
  clock: Clock;
  log: Log;
  fleets: FleetStatementStore;
  /** Absent where the deployment takes no payments: statements still go out, nothing is invoiced. */
  invoicing?: FleetInvoicing;
  operators: { operator(operatorId: string): Promise<Operator | undefined> };
  /** Site names for the statement's lines (absent: site ids are shown). */
  siteName?: (operatorId: string, siteId: string) => Promise<string | undefined>;
  mailer: Mailer;
  /** Days a fleet has to pay its invoice. */
  invoiceDaysUntilDue: number;
}
