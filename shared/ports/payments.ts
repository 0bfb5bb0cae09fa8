/**
 * What the payments use cases (shared/app/payments) need: the paid-session store, the card
 * processor, the charger, the receipt outbox and the mailer's renderer. Adapters: DynamoDB and
 * Stripe (shared/adapters), in-memory fakes for unit tests (shared/adapters/memory).
 */
import type { IdTag, Operator, Site } from '../domain/entities.js';
import type { CancelReason, PaymentSessionStatus } from '../domain/payment-session.js';
import type { Charge } from '../domain/pricing.js';
import type { Tariff } from '../domain/tariff.js';

/** One driver's paid session, from the card hold to its capture or release. */
export interface PaymentSession {
  sessionId: string;
  operatorId: string;
  chargerId: string;
  connectorId: number;
  siteId?: string;
  /** Where receipts go. */
  email: string;
  /** sha256 (hex) of the Transaction URL's token; the token itself is never stored. */
  tokenHash: string;
  /** The OCPP idTag sent in RemoteStartTransaction; the StartTransaction that carries it is this session's. */
  idTag: string;
  /**
   * A group member paying by card on their member page: their group and member id. The session's
   * tag is issued in that group, so the charger admits it as the member's and prices it at the group
   * price (domain/access-rules.ts `member-payer`). Absent for the public start page's drivers.
   */
  member?: { groupId: string; memberId: string };
  status: PaymentSessionStatus;
  /** ISO 4217, upper case. */
  currency: string;
  preAuthAmountMinor: number;
  paymentIntentId: string;
  /** When Stripe releases the hold by itself (the charge's `capture_before`), epoch seconds. */
  holdExpiresAt?: number;
  /**
   * When the sweeper must look at the session (epoch seconds): the start timeout while `starting`,
   * the next settlement check while `charging` or `finishing` (review-unpriceable.ts), or a retry
   * of a hold release that failed. Absent when nothing is pending.
   */
  sweepAt?: number;
  transactionId?: number;
  cancelReason?: CancelReason;
  /** The last card error the driver saw (declined, 3-D Secure failed); nothing is held then. */
  paymentError?: { code: string; message: string };
  /** Set once Stripe has captured or cancelled the hold: the session's money is settled. */
  settlement?: SessionSettlement;
  /** Set when Stripe cancelled the hold itself (expired): nothing could be collected. */
  uncollected?: boolean;
  /**
   * Why the operator must look at this session: its transaction could not be priced, so its hold
   * was released without a charge (shared/app/payments/review-unpriceable.ts).
   */
  reviewReason?: 'pricing-input-invalid';
  createdAt: string;
  heldAt?: string;
  chargingAt?: string;
  stopRequestedAt?: string;
  endedAt?: string;
  updatedAt: string;
}

export interface SessionSettlement {
  outcome: 'captured' | 'cancelled';
  /** The final charge's gross total, minor units (0 for a cancelled hold). */
  chargeGrossMinor: number;
  capturedMinor: number;
  /** pre-auth − captured: released back to the card. */
  releasedMinor: number;
  /** What the charge exceeded the hold by (the operator's to collect). */
  shortfallMinor: number;
  settledAt: string;
}

/** Fields a status change may set beside the status. */
export type SessionPatch = Partial<
  Omit<
    PaymentSession,
    'sessionId' | 'operatorId' | 'tokenHash' | 'idTag' | 'createdAt' | 'status' | 'sweepAt'
  >
> & {
  /** null removes it (nothing left for the sweeper). */
  sweepAt?: number | null;
};

export interface PaymentSessionRepository {
  /** Stores a new session and its token and idTag lookups, atomically. */
  create(session: PaymentSession): Promise<void>;
  get(sessionId: string): Promise<PaymentSession | undefined>;
  byTokenHash(tokenHash: string): Promise<PaymentSession | undefined>;
  byIdTag(idTag: string): Promise<PaymentSession | undefined>;
  /**
   * Moves the status forward, conditionally on it still being one of `from`; `conflict` when
   * another writer moved it first (re-read and decide again).
   */
  advance(
    sessionId: string,
    from: readonly PaymentSessionStatus[],
    to: PaymentSessionStatus,
    patch: SessionPatch,
  ): Promise<'saved' | 'conflict'>;
  /** Sets fields without changing the status (e.g. a payment error, the settlement). */
  patch(sessionId: string, patch: SessionPatch): Promise<void>;
  /**
   * Binds a transaction to the session: one session per transaction and one transaction per
   * session, and only a transaction of the session's own charger. `bound` again for the same pair
   * (a replay); `taken` when either side is bound elsewhere or the charger differs.
   */
  bindTransaction(sessionId: string, chargerId: string, transactionId: number): Promise<'bound' | 'taken'>;
  sessionOfTransaction(chargerId: string, transactionId: number): Promise<string | undefined>;
  /** Sessions whose `sweepAt` is at or before `now` (epoch seconds), oldest first, at most `limit`. */
  dueForSweep(now: number, limit: number): Promise<PaymentSession[]>;
}

/** A PaymentIntent as the use cases need it. */
export interface Hold {
  paymentIntentId: string;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'requires_capture'
    | 'succeeded'
    | 'canceled';
  amountMinor: number;
  amountCapturableMinor: number;
  amountReceivedMinor: number;
  /** Upper case. */
  currency: string;
  /** For the browser's Stripe.js; never stored. */
  clientSecret?: string;
  /** The authorisation's `capture_before`, epoch seconds. */
  captureBefore?: number;
  cancellationReason?: string;
  lastError?: { code: string; message: string };
  metadata: Record<string, string>;
}

export interface CreateHoldInput {
  amountMinor: number;
  currency: string;
  /** operatorId, chargerId, connectorId, sessionId. */
  metadata: Record<string, string>;
  description: string;
  receiptEmail?: string;
  idempotencyKey: string;
}

/** The card processor (Stripe). Every call that changes something carries an idempotency key. */
export interface PaymentGateway {
  /** Publishable key for the browser's Stripe.js. */
  readonly publishableKey: string;
  createHold(input: CreateHoldInput): Promise<Hold>;
  getHold(paymentIntentId: string): Promise<Hold>;
  capture(paymentIntentId: string, amountMinor: number, idempotencyKey: string): Promise<Hold>;
  cancel(
    paymentIntentId: string,
    reason: 'requested_by_customer' | 'abandoned',
    idempotencyKey: string,
  ): Promise<Hold>;
}

/** Charger commands the payments flow sends. */
export interface SessionCharger {
  /** Whether the charger has a live connection right now. */
  isOnline(chargerId: string): Promise<boolean>;
  /** Sends RemoteStartTransaction and waits up to `waitMs` for the answer. */
  remoteStart(
    chargerId: string,
    connectorId: number,
    idTag: string,
    waitMs: number,
  ): Promise<'accepted' | 'rejected' | 'no-answer'>;
  remoteStop(chargerId: string, transactionId: number): Promise<void>;
}

export type ReceiptKind = 'pre-auth' | 'cancellation' | 'transaction' | 'refund';

/** What a refund receipt tells the driver (the operator refunded part or all of a captured session). */
export interface RefundReceiptFacts {
  refundId: string;
  /** Refunded by this refund. */
  amountMinor: number;
  /** Refunded for the session so far, this refund included. */
  refundedTotalMinor: number;
  /** What the session captured; captured − refunded total is what stays charged. */
  capturedMinor: number;
  refundedAt: string;
}

/** An email the platform owes a driver; sent once, marked sent. */
export interface ReceiptRequest {
  sessionId: string;
  kind: ReceiptKind;
  /**
   * 0 for the receipt the event owes; 1, 2, ... for copies the driver asked for. A refund receipt
   * has no copies: its number is the session's refunded total before that refund, unique per refund
   * (refunds of a session are recorded one after another), so a retried refund queues it once.
   */
  copy: number;
  requestedAt: string;
  /** Only on a refund receipt, written with it (the stream's INSERT carries just its key). */
  refund?: RefundReceiptFacts;
}

export interface ReceiptRecord extends ReceiptRequest {
  sentAt?: string;
  messageId?: string;
  /** Set when the mail service refused it for good (bad address...); it is not retried. */
  failedAt?: string;
  failure?: string;
}

export interface ReceiptOutbox {
  /** `duplicate` when this receipt (session, kind, copy) is already queued or sent. */
  enqueue(request: ReceiptRequest): Promise<'queued' | 'duplicate'>;
  markSent(request: ReceiptRequest, messageId: string, sentAt: string): Promise<void>;
  markFailed(request: ReceiptRequest, failure: string, failedAt: string): Promise<void>;
  /** Receipts of a session, queued or sent, oldest first. */
  ofSession(sessionId: string): Promise<ReceiptRecord[]>;
}

/** Everything a receipt says, before it is laid out. */
export type ReceiptDocument = {
  session: PaymentSession;
  operator: Operator;
  site?: Site;
  /** The session's Transaction URL (re-derived from its id; see shared/app/payments/tokens.ts). */
  transactionUrl: string;
} & (
  | { kind: 'pre-auth'; tariff: Tariff }
  | { kind: 'cancellation'; startTimeoutSeconds: number }
  | { kind: 'transaction'; charge: Charge }
  | { kind: 'refund'; refund: RefundReceiptFacts }
);

/**
 * Lays a receipt out as an email (shared/web/receipts). May answer a promise: the functions load the
 * layout code when they first send a receipt, not at their cold start.
 */
export interface ReceiptComposer {
  compose(document: ReceiptDocument): ReceiptEmail | Promise<ReceiptEmail>;
}

export interface ReceiptEmail {
  subject: string;
  html: string;
  text: string;
}

/** The final charge as payments reads it off the transaction. */
export interface SessionCharge {
  /** The StartTransaction's idTag: a paid session's tag names its session. */
  idTag?: string;
  charge?: Charge;
  energyMilliWh?: number;
  startedAt?: string;
  stoppedAt?: string;
  final: boolean;
  /** Pricing flagged the transaction `pricing-input-invalid`: its stored data cannot be priced. */
  unpriceable?: boolean;
}

/** What the Transaction URL page and receipts read of the charging side. */
export interface SessionTransactions {
  chargeOf(chargerId: string, transactionId: number): Promise<SessionCharge | undefined>;
  /** Writes the payments seam on the transaction (pricing reads it for the cost cap and hold expiry). */
  attachHold(
    chargerId: string,
    transactionId: number,
    hold: { preAuthAmountMinor: number; holdExpiresAt?: number; paymentSessionId: string },
  ): Promise<void>;
}

/** Issues and blocks the id tags of paid sessions (kind `driver`) in the operator's tag list. */
export interface IdTagWriter {
  putIdTag(tag: IdTag): Promise<void>;
}
