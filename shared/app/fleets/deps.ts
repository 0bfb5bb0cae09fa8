/**
 * What the fleet statement use cases need, as one object of ports: the fleets and their sessions
 * not billed yet (a sparse index, adapters/dynamodb/fleet-statements.ts), the stored statements and
 * their lines, Stripe's invoices, the operator, the mailer and a clock.
 */

import type { Group, Operator } from '../../domain/entities.js';
import type {
  ExcludedSession,
  FleetSessionInput,
  StatementLine,
  StatementMonth,
  StatementSummary,
} from '../../domain/fleet-statement.js';
import type { Clock } from '../../ports/clock.js';
import type { Log } from '../../ports/log.js';
import type { Mailer } from '../../ports/mailer.js';
import type { Page, PageRequest } from '../../ports/paging.js';

/** The Stripe invoice of a statement, as far as it got (each step is idempotent, see monthly-statements.ts). */
export interface StatementInvoice {
  stripeInvoiceId: string;
  /**
   * `created`: a draft exists; `sent`: finalised and sent to the billing contact; `paid`: the fleet
   * paid it (`invoice.paid`, app/connect/transfers.ts).
   */
  status: 'created' | 'sent' | 'paid';
  number?: string;
  amountDueMinor?: number;
  sentAt?: string;
  paidAt?: string;
}

/**
 * What the paid invoice owes the operator (app/connect/transfers.ts recordFleetInvoiceTransfer): the
 * platform fee (the sum of each billed session's fee), what is left for the operator, and the
 * transfer's state, kept in the same writes as the transfer's own record (ConnectStore).
 */
export interface StatementTransfer {
  feeMinor: number;
  netMinor: number;
  /** `pending` until the operator's account can receive transfers, then `paid`. */
  status: 'pending' | 'paid';
  paidAt?: string;
}

/**
 * A statement as stored: the figures built once (a rerun or a resend shows the same ones). The lines
 * are items of their own (FleetStatementStore.lines), so a statement has no size limit.
 */
export interface StoredStatement {
  operatorId: string;
  fleetId: string;
  month: StatementMonth;
  createdAt: string;
  statement: StatementSummary;
  /** Where and when the monthly email went (absent until it has). */
  emailedTo?: string;
  emailedAt?: string;
  invoice?: StatementInvoice;
  transfer?: StatementTransfer;
}

export interface FleetStatementStore {
  /** Every fleet of every operator (a sparse index of fleets), for the monthly run. */
  allFleets(): Promise<Group[]>;
  fleet(operatorId: string, fleetId: string): Promise<Group | undefined>;
  /**
   * Gives fleets and final fleet sessions stored before their sparse indexes existed their index
   * entries, and marks the sessions of statements stored with inline lines as billed; once per
   * table (recorded as done), idempotent. Answers what it did, or `done` when it had run before.
   */
  backfillIndexes(): Promise<FleetBackfillReport | 'done'>;
  /** A fleet's final sessions in no statement yet that started before `beforeIso`. */
  unbilledSessions(operatorId: string, fleetId: string, beforeIso: string): Promise<FleetSessionInput[]>;
  /**
   * Claims the making of the fleet's statement of `month` for `runId` until `leaseUntil` (ISO): only
   * the holder adds lines or creates it. `busy` while another run holds an unexpired claim.
   */
  claim(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    runId: string,
    now: string,
    leaseUntil: string,
  ): Promise<'claimed' | 'busy'>;
  /**
   * Stores the lines under the statement and marks each line's session billed in it, atomically per
   * batch, while `runId` holds the claim. Throws when the claim is lost or a session is billed in
   * another statement (nothing of that batch is written).
   */
  addLines(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    runId: string,
    lines: readonly StatementLine[],
  ): Promise<void>;
  /** A statement's lines, in line order (domain lineOrder), one page. */
  lines(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    page: PageRequest,
  ): Promise<Page<StatementLine>>;
  /**
   * Writes the statement unless one exists for the fleet and month, and releases `runId`'s claim; in
   * the same transaction takes each of `unbillable` off the unbilled queue (marked excluded from this
   * statement; the session is otherwise unchanged), so no later statement lists it again. At most
   * {@link MAX_UNBILLABLE_PER_STATEMENT} of them.
   */
  create(
    record: StoredStatement,
    runId: string,
    unbillable: readonly ExcludedSession[],
  ): Promise<'created' | 'exists'>;
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
  /** Stores the invoice's progress; never over a `paid` one (the fleet may pay before the run records `sent`). */
  saveInvoice(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    invoice: StatementInvoice,
  ): Promise<void>;
  /**
   * The statement's invoice `invoiceId` is paid: `saved`, or `unchanged` when it was marked already
   * or the statement has no such invoice.
   */
  markInvoicePaid(
    operatorId: string,
    fleetId: string,
    month: StatementMonth,
    invoiceId: string,
    paidAt: string,
  ): Promise<'saved' | 'unchanged'>;
  /** Keeps the fleet's Stripe customer, unless it already has one (then that one is answered). */
  saveStripeCustomer(operatorId: string, fleetId: string, customerId: string): Promise<string>;
}

/** A transaction holds 100 items: the header, the claim, and one per session taken off the queue. */
export const MAX_UNBILLABLE_PER_STATEMENT = 98;

/** What a paid invoice's transfer needs of the statements (app/connect/transfers.ts). */
export type PaidStatementStore = Pick<FleetStatementStore, 'get' | 'lines' | 'markInvoicePaid'>;

export interface FleetBackfillReport {
  fleetsIndexed: number;
  sessionsIndexed: number;
  /** Sessions of statements stored with their lines inline, now marked billed in them. */
  sessionsMarkedBilled: number;
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

/** Days a fleet has to pay its monthly invoice (Stripe's `days_until_due`); a common net-30 term. */
export const INVOICE_DAYS_UNTIL_DUE = 30;

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
