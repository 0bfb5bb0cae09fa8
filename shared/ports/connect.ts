/**
 * What the Connect use cases (shared/app/connect) need: the operator's connected account as Stripe
 * last told it, the platform's own onboarding invitation links, the per-session transfers, and
 * Stripe's Connect API. Adapters: DynamoDB (adapters/dynamodb/connect-store.ts), Stripe
 * (adapters/stripe/connect-gateway.ts), in memory for unit tests (adapters/memory/connect.ts).
 */

/** The connected account's state, as the latest `account.updated` (or a re-read) said it. */
export interface ConnectAccountState {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** Capability name → Stripe's status (`active`, `inactive`, `pending`). */
  capabilities: Record<string, string>;
  /** `requirements.currently_due`: what Stripe needs before the account works (or keeps working). */
  requirementsDue: string[];
  disabledReason?: string;
}

/** The operator's connected account record: the account, its state, and the live invitation link. */
export interface ConnectAccountRecord {
  operatorId: string;
  state: ConnectAccountState;
  /**
   * Stripe's `created` (epoch seconds) of the event the state was taken from, or of the re-read: an
   * older event arriving late (Stripe does not order them) does not overwrite a newer state.
   */
  stateAsOf: number;
  /** SHA-256 (hex) of the one live invitation link's token; renewing replaces it, killing the old. */
  linkHash?: string;
  linkExpiresAtMs?: number;
  createdAt: string;
  updatedAt: string;
}

/** Whether the account can receive transfers now (the `transfers` capability is active). */
export const canReceiveTransfers = (state: ConnectAccountState): boolean =>
  state.capabilities.transfers === 'active';

/**
 * Whether the operator has started onboarding: its connected account exists (startOnboarding made
 * it). Only then may its paid chargers take card payments: a captured session owes a transfer, and a
 * transfer needs an account to wait for; without one, the driver's money would have nowhere to go.
 */
export const hasStartedOnboarding = (record: ConnectAccountRecord | undefined): boolean =>
  record !== undefined;

/** One captured session's transfer to its operator (separate charges and transfers). */
export interface SessionTransfer {
  sessionId: string;
  operatorId: string;
  chargerId: string;
  transactionId: number;
  /** The account paid; set when the transfer is made (a pending one goes to the account of the day). */
  accountId?: string;
  /** Upper case, as the platform keeps it. */
  currency: string;
  paymentIntentId: string;
  /** The charge id of the session's PaymentIntent: Stripe's `source_transaction`. */
  sourceChargeId: string;
  grossMinor: number;
  feeMinor: number;
  /** grossMinor − feeMinor: what the operator receives. */
  netMinor: number;
  /**
   * `pending` until the account can receive it; `paid` once Stripe created the transfer (or, when the
   * fee took the whole capture, once there was nothing to send: no transferId then).
   */
  status: 'pending' | 'paid';
  transferId?: string;
  /** Reversed so far by refunds, minor units (of netMinor). */
  reversedMinor: number;
  /** Refunded so far to the driver, minor units (of grossMinor). */
  refundedMinor: number;
  /** Fee given back so far by refunds, minor units (of feeMinor). */
  feeRefundedMinor: number;
  /**
   * Refunded plus reserved by refunds still running: what no new refund may take again. Absent on
   * records made before refunds were reserved (then it is `refundedMinor`: see {@link claimedOf}).
   */
  claimedMinor?: number;
  /** The refunds reserved and not yet recorded, by their offset ({@link refundClaimId}). */
  refundClaims?: Record<string, RefundClaim>;
  createdAt: string;
  paidAt?: string;
  /**
   * Set for the transfer of a fleet's paid monthly invoice (app/connect/transfers.ts), which has no
   * session: its `sessionId` is then `fleet-invoice:<invoiceId>`, chargerId empty, transactionId 0.
   */
  fleetInvoice?: { invoiceId: string; fleetId: string; month: string };
  /** Set by the sweep when a pending transfer is older than the deployment's limit. */
  flaggedAt?: string;
}

/**
 * A refund reserved on the transfer before Stripe is asked: it covers the capture from `offsetMinor`
 * (the claimed total when it was made, so no two claims of a session share one) for `amountMinor`.
 */
export interface RefundClaim {
  offsetMinor: number;
  amountMinor: number;
  /** When it was made; 0 once its request failed, so the next request may finish it at once. */
  claimedAtMs: number;
}

export const refundClaimId = (claim: Pick<RefundClaim, 'offsetMinor'>): string => String(claim.offsetMinor);

/** Refunded or reserved so far (records from before reservations carry no `claimedMinor`). */
export const claimedOf = (t: Pick<SessionTransfer, 'claimedMinor' | 'refundedMinor'>): number =>
  t.claimedMinor ?? t.refundedMinor;

export interface ConnectStore {
  account(operatorId: string): Promise<ConnectAccountRecord | undefined>;
  /** The operator a connected account belongs to (events name the account only). */
  operatorOfAccount(accountId: string): Promise<string | undefined>;
  /**
   * Stores the new account record and sets the operator's `stripeAccountId`, unless the operator has
   * one already: then `exists` and nothing is written (a concurrent onboarding won).
   */
  createAccount(record: ConnectAccountRecord): Promise<'created' | 'exists'>;
  /** Replaces the state when `stateAsOf` is not older than the stored one; `stale` otherwise. */
  saveState(
    operatorId: string,
    state: ConnectAccountState,
    stateAsOf: number,
    updatedAt: string,
  ): Promise<'saved' | 'stale'>;
  /** Makes this the one live invitation link of the operator (any earlier one stops working). */
  setLink(operatorId: string, linkHash: string, linkExpiresAtMs: number, updatedAt: string): Promise<void>;

  /**
   * Stores a session's transfer once; `exists` when one is recorded already (a redelivery). A fleet
   * invoice's transfer (`fleetInvoice`) also sets its statement's `transfer` (fee, net, status), in
   * the same write; it throws when that statement does not exist.
   */
  createTransfer(transfer: SessionTransfer): Promise<'created' | 'exists'>;
  transfer(sessionId: string): Promise<SessionTransfer | undefined>;
  /** The operator's pending transfers, oldest first. */
  pendingTransfers(operatorId: string): Promise<SessionTransfer[]>;
  /**
   * `pending` → `paid` with the transfer id (none when nothing was sent), only if still pending and
   * its `reversedMinor` is still what the caller sent against; `conflict` otherwise (a refund took a
   * share off meanwhile, or another release recorded it). A fleet invoice's transfer marks its
   * statement's `transfer` paid in the same write (see createTransfer).
   */
  markPaid(
    transfer: Pick<SessionTransfer, 'sessionId' | 'operatorId' | 'feeMinor' | 'netMinor' | 'fleetInvoice'>,
    transferId: string | undefined,
    paidAt: string,
    expectedReversedMinor: number,
  ): Promise<'saved' | 'conflict'>;
  /**
   * Reserves a refund: adds it to the claimed total and keeps the claim, only if the claimed total is
   * still `claim.offsetMinor` (what the caller read, and checked the refund fits on): `conflict` when
   * another refund reserved first (read again, decide again). `read` is the record as the caller read it.
   */
  reserveRefund(read: SessionTransfer, claim: RefundClaim): Promise<'reserved' | 'conflict'>;
  /**
   * Records a reserved refund's shares and drops its claim, only if the claim is still there and the
   * transfer is still in `expectedStatus` (its shares were acted on for it): `conflict` otherwise
   * (already recorded by another request finishing it, or the transfer was made meanwhile).
   */
  settleRefund(
    sessionId: string,
    claim: RefundClaim,
    expectedStatus: SessionTransfer['status'],
    shares: { reversedMinor: number; feeRefundedMinor: number },
  ): Promise<'saved' | 'conflict'>;
  /** Marks a claim whose request failed as free to finish at once (its `claimedAtMs` becomes 0). */
  abandonRefund(sessionId: string, claim: RefundClaim): Promise<void>;
  /**
   * The sessions whose transfer has had a refund reserved since the sweeper last saw it without a
   * claim (a reservation marks its transfer; app/connect/refunds.ts `finishLeftoverRefunds`).
   */
  refundClaimMarks(): Promise<string[]>;
  /** Drops the transfer's mark, only while it holds no refund claim (one reserved meanwhile keeps it). */
  unmarkRefundClaims(sessionId: string): Promise<void>;
  /** Pending transfers of every operator recorded before `createdBefore` and not flagged yet, at most `limit`. */
  unflaggedPendingBefore(createdBefore: string, limit: number): Promise<SessionTransfer[]>;
  flag(sessionId: string, flaggedAt: string): Promise<void>;
}

export interface CreateConnectedAccount {
  operatorId: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Upper case. */
  currency: string;
  businessType: 'individual' | 'company';
  email: string;
  idempotencyKey: string;
}

export interface PaidInvoice {
  invoiceId: string;
  status: string;
  amountPaidMinor: number;
  /** Upper case, as the platform keeps it. */
  currency: string;
  metadata: Record<string, string>;
  chargeId?: string;
  /** When it was paid (Stripe's `status_transitions.paid_at`), ISO. */
  paidAt?: string;
}

export interface CreateTransfer {
  amountMinor: number;
  currency: string;
  destination: string;
  sourceTransaction: string;
  transferGroup: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
}

/** Stripe's Connect API (the emulator locally). Every call that changes something carries a key. */
export interface ConnectGateway {
  createAccount(input: CreateConnectedAccount): Promise<ConnectAccountState>;
  retrieveAccount(accountId: string): Promise<ConnectAccountState>;
  /** The state an `account.updated` event's object carries (the adapter knows Stripe's shape). */
  accountStateOf(eventObject: unknown): ConnectAccountState;
  /** A fresh Account Link (about 300 s, single use): where the operator goes next. */
  createAccountLink(accountId: string, refreshUrl: string, returnUrl: string): Promise<{ url: string }>;
  /** A one-time login link to the account's Express dashboard. */
  createLoginLink(accountId: string): Promise<{ url: string }>;
  /** The id of the charge a PaymentIntent's capture created (`latest_charge`). */
  chargeOfPaymentIntent(paymentIntentId: string): Promise<string | undefined>;
  /**
   * A platform invoice as the fleet transfer reads it: its status, what was paid, its metadata, and
   * the charge its payment made (undefined when paid outside Stripe: nothing to transfer from).
   */
  paidInvoice(invoiceId: string): Promise<PaidInvoice>;
  createTransfer(input: CreateTransfer): Promise<{ transferId: string }>;
  /**
   * The transfer already made for a `transfer_group` (the session), with what it still sends (amount
   * less reversals): a release retried after Stripe forgot its idempotency key (about 24 h) finds it
   * here instead of sending a second one.
   */
  transferOfGroup(transferGroup: string): Promise<{ transferId: string; sentMinor: number } | undefined>;
  createReversal(
    transferId: string,
    amountMinor: number,
    metadata: Record<string, string>,
    idempotencyKey: string,
  ): Promise<{ reversalId: string }>;
  /** A refund of the session's PaymentIntent (the driver's money back). */
  refund(
    paymentIntentId: string,
    amountMinor: number,
    metadata: Record<string, string>,
    idempotencyKey: string,
  ): Promise<{ refundId: string }>;
}
