/**
 * In-memory state of the emulator. Every API object lives in a Collection that records which account
 * owns it (null = the platform, `acct_…` = a connected account reached with the Stripe-Account header),
 * so reads are scoped the way Stripe scopes them. The whole state round-trips through JSON for the
 * optional persistence file.
 */
import type Stripe from 'stripe';
import { noSuchParamObject, resourceMissing } from './errors.js';
import { newId } from './ids.js';

/** Owner of an object: a connected account id, or null for the platform account. */
export type Scope = string | null;

interface Row<T> {
  account: Scope;
  value: T;
}

export class Collection<T extends { id: string }> {
  private rows = new Map<string, Row<T>>();

  constructor(
    /** Name used in "No such …" errors, e.g. `payment_intent`. */
    readonly objectName: string,
  ) {}

  insert(account: Scope, value: T): T {
    this.rows.set(value.id, { account, value });
    return value;
  }

  /** The object whatever its owner (for expansion and internal bookkeeping). */
  find(id: string): T | undefined {
    return this.rows.get(id)?.value;
  }

  ownerOf(id: string): Scope | undefined {
    return this.rows.get(id)?.account;
  }

  get(id: string, account: Scope): T | undefined {
    const row = this.rows.get(id);
    return row && row.account === account ? row.value : undefined;
  }

  /** The object named in the URL path, or 404. */
  require(id: string, account: Scope, param = 'id'): T {
    const value = this.get(id, account);
    if (!value) throw resourceMissing(this.objectName, id, param);
    return value;
  }

  /** The object named by a request parameter, or 400. */
  requireParam(id: string, account: Scope, param: string): T {
    const value = this.get(id, account);
    if (!value) throw noSuchParamObject(this.objectName, id, param);
    return value;
  }

  /** Objects owned by `account`, newest first, optionally filtered. */
  list(account: Scope, filter: (value: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (const row of this.rows.values()) {
      if (row.account === account && filter(row.value)) out.push(row.value);
    }
    return out.reverse();
  }

  *values(): IterableIterator<T> {
    for (const row of this.rows.values()) yield row.value;
  }

  delete(id: string): void {
    this.rows.delete(id);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Drop the oldest rows beyond `max` (events and delivery logs would otherwise grow forever). */
  trim(max: number): void {
    const excess = this.rows.size - max;
    if (excess <= 0) return;
    let n = 0;
    for (const id of this.rows.keys()) {
      if (n++ >= excess) break;
      this.rows.delete(id);
    }
  }

  snapshot(): Row<T>[] {
    return [...this.rows.values()];
  }

  restore(rows: Row<T>[] | undefined): void {
    this.rows = new Map((rows ?? []).map((row) => [row.value.id, row]));
  }
}

export interface AccountLinkRecord {
  token: string;
  account: string;
  refresh_url: string;
  return_url: string;
  created: number;
  expires_at: number;
  used: boolean;
}

export interface LoginLinkRecord {
  token: string;
  account: string;
  created: number;
}

/** Internal state of a PaymentIntent that Stripe does not expose on the object. */
export interface PaymentIntentInternals {
  /** Token of the pending 3D Secure challenge page, while status is requires_action. */
  authToken?: string;
  returnUrl?: string;
  /** 3D Secure passed; the next confirmation (manual confirmation_method) may authorise. */
  authenticated?: boolean;
}

export interface IdempotencyRecord {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: string;
  created: number;
}

export interface DeliveryAttempt {
  attempt: number;
  /** Wall-clock time of the attempt, epoch seconds. */
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface WebhookDelivery {
  id: string;
  object: 'webhook_delivery';
  event: string;
  type: string;
  endpoint: string;
  url: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
}

/** All emulator state. Side tables hold what Stripe keeps but does not put on the objects. */
export class Store {
  readonly paymentIntents = new Collection<Stripe.PaymentIntent>('payment_intent');
  readonly charges = new Collection<Stripe.Charge>('charge');
  readonly paymentMethods = new Collection<Stripe.PaymentMethod>('payment_method');
  readonly refunds = new Collection<Stripe.Refund>('refund');
  readonly accounts = new Collection<Stripe.Account>('account');
  readonly transfers = new Collection<Stripe.Transfer>('transfer');
  readonly payouts = new Collection<Stripe.Payout>('payout');
  readonly balanceTransactions = new Collection<Stripe.BalanceTransaction>('balance_transaction');
  readonly applicationFees = new Collection<Stripe.ApplicationFee>('application_fee');
  readonly webhookEndpoints = new Collection<Stripe.WebhookEndpoint>('webhook_endpoint');
  readonly events = new Collection<Stripe.Event>('event');
  readonly deliveries = new Collection<WebhookDelivery>('webhook_delivery');
  readonly customers = new Collection<Stripe.Customer>('customer');
  readonly invoiceItems = new Collection<Stripe.InvoiceItem>('invoiceitem');
  readonly invoices = new Collection<Stripe.Invoice>('invoice');

  platformAccountId = newId('acct');
  accountLinks = new Map<string, AccountLinkRecord>();
  loginLinks = new Map<string, LoginLinkRecord>();
  /** 3D Secure challenge token → PaymentIntent id. */
  authentications = new Map<string, string>();
  paymentIntentInternals = new Map<string, PaymentIntentInternals>();
  /** PaymentMethod id → name of the test card it was made from (e.g. `pm_card_visa`). */
  testCards = new Map<string, string>();
  /** Kept apart from the endpoint: Stripe returns the `whsec_` secret only when the endpoint is created. */
  webhookSecrets = new Map<string, string>();
  idempotency = new Map<string, IdempotencyRecord>();
  /** Balance transaction id → the automatic payout that swept it (`balance_transactions?payout=`). */
  payoutContents = new Map<string, string>();
  /** Connected account id → when its payout schedule last ran (epoch s). */
  payoutRuns = new Map<string, number>();

  /** Every collection whose ids can be expanded, by id prefix. */
  private readonly prefixes: Readonly<Record<string, Collection<{ id: string }>>> = {
    pi: this.paymentIntents,
    ch: this.charges,
    py: this.charges,
    pyr: this.refunds,
    pm: this.paymentMethods,
    re: this.refunds,
    acct: this.accounts,
    tr: this.transfers,
    po: this.payouts,
    txn: this.balanceTransactions,
    fee: this.applicationFees,
    we: this.webhookEndpoints,
    evt: this.events,
    cus: this.customers,
    ii: this.invoiceItems,
    in: this.invoices,
  };

  byPrefix(id: string): Collection<{ id: string }> | undefined {
    return this.prefixes[id.slice(0, id.indexOf('_'))];
  }

  snapshot(): StoreSnapshot {
    return {
      version: 1,
      platformAccountId: this.platformAccountId,
      collections: {
        paymentIntents: this.paymentIntents.snapshot(),
        charges: this.charges.snapshot(),
        paymentMethods: this.paymentMethods.snapshot(),
        refunds: this.refunds.snapshot(),
        accounts: this.accounts.snapshot(),
        transfers: this.transfers.snapshot(),
        payouts: this.payouts.snapshot(),
        balanceTransactions: this.balanceTransactions.snapshot(),
        applicationFees: this.applicationFees.snapshot(),
        webhookEndpoints: this.webhookEndpoints.snapshot(),
        events: this.events.snapshot(),
        deliveries: this.deliveries.snapshot(),
        customers: this.customers.snapshot(),
        invoiceItems: this.invoiceItems.snapshot(),
        invoices: this.invoices.snapshot(),
      },
      accountLinks: [...this.accountLinks.values()],
      loginLinks: [...this.loginLinks.values()],
      authentications: [...this.authentications.entries()],
      paymentIntentInternals: [...this.paymentIntentInternals.entries()],
      testCards: [...this.testCards.entries()],
      webhookSecrets: [...this.webhookSecrets.entries()],
      idempotency: [...this.idempotency.entries()],
      payoutContents: [...this.payoutContents.entries()],
      payoutRuns: [...this.payoutRuns.entries()],
    };
  }

  restore(snapshot: StoreSnapshot): void {
    const c = snapshot.collections;
    this.platformAccountId = snapshot.platformAccountId;
    this.paymentIntents.restore(c.paymentIntents);
    this.charges.restore(c.charges);
    this.paymentMethods.restore(c.paymentMethods);
    this.refunds.restore(c.refunds);
    this.accounts.restore(c.accounts);
    this.transfers.restore(c.transfers);
    this.payouts.restore(c.payouts);
    this.balanceTransactions.restore(c.balanceTransactions);
    this.applicationFees.restore(c.applicationFees);
    this.webhookEndpoints.restore(c.webhookEndpoints);
    this.events.restore(c.events);
    this.deliveries.restore(c.deliveries);
    // Absent from state files saved before invoices were emulated (restore(undefined) empties).
    this.customers.restore(c.customers);
    this.invoiceItems.restore(c.invoiceItems);
    this.invoices.restore(c.invoices);
    this.accountLinks = new Map(snapshot.accountLinks.map((l) => [l.token, l]));
    this.loginLinks = new Map(snapshot.loginLinks.map((l) => [l.token, l]));
    this.authentications = new Map(snapshot.authentications);
    this.paymentIntentInternals = new Map(snapshot.paymentIntentInternals);
    this.testCards = new Map(snapshot.testCards);
    this.webhookSecrets = new Map(snapshot.webhookSecrets);
    this.idempotency = new Map(snapshot.idempotency);
    // Absent from state files saved before automatic payouts were emulated.
    this.payoutContents = new Map(snapshot.payoutContents ?? []);
    this.payoutRuns = new Map(snapshot.payoutRuns ?? []);
  }
}

type Rows<C> = C extends Collection<infer T> ? Row<T>[] : never;

export interface StoreSnapshot {
  version: 1;
  platformAccountId: string;
  collections: {
    paymentIntents: Rows<Store['paymentIntents']>;
    charges: Rows<Store['charges']>;
    paymentMethods: Rows<Store['paymentMethods']>;
    refunds: Rows<Store['refunds']>;
    accounts: Rows<Store['accounts']>;
    transfers: Rows<Store['transfers']>;
    payouts: Rows<Store['payouts']>;
    balanceTransactions: Rows<Store['balanceTransactions']>;
    applicationFees: Rows<Store['applicationFees']>;
    webhookEndpoints: Rows<Store['webhookEndpoints']>;
    events: Rows<Store['events']>;
    deliveries: Rows<Store['deliveries']>;
    customers?: Rows<Store['customers']>;
    invoiceItems?: Rows<Store['invoiceItems']>;
    invoices?: Rows<Store['invoices']>;
  };
  accountLinks: AccountLinkRecord[];
  loginLinks: LoginLinkRecord[];
  authentications: [string, string][];
  paymentIntentInternals: [string, PaymentIntentInternals][];
  testCards: [string, string][];
  webhookSecrets: [string, string][];
  idempotency: [string, IdempotencyRecord][];
  payoutContents?: [string, string][];
  payoutRuns?: [string, number][];
}
