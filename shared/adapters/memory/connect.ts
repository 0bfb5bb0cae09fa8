/**
 * The Connect store and Stripe's Connect API in memory, for unit tests. The store copies the DynamoDB
 * adapter's conditions (create-once, pending → paid once, refunds reserved on the claimed total read, recorded once per claim); the
 * gateway copies what the tests rely on of Stripe: idempotency keys replay the first answer, and a
 * transfer to an account whose `transfers` capability is not active is refused.
 */
import {
  type ConnectAccountRecord,
  type ConnectAccountState,
  type ConnectGateway,
  type ConnectStore,
  type CreateConnectedAccount,
  type CreateTransfer,
  claimedOf,
  type PaidInvoice,
  type RefundClaim,
  refundClaimId,
  type SessionTransfer,
} from '../../ports/connect.js';

export class MemoryConnectStore implements ConnectStore {
  readonly accounts = new Map<string, ConnectAccountRecord>();
  readonly transfers = new Map<string, SessionTransfer>();
  /** operatorId → stripeAccountId, as the operator item holds it. */
  readonly operatorAccountIds = new Map<string, string>();

  async account(operatorId: string) {
    const record = this.accounts.get(operatorId);
    return record ? structuredClone(record) : undefined;
  }

  async operatorOfAccount(accountId: string) {
    return [...this.accounts.values()].find((r) => r.state.accountId === accountId)?.operatorId;
  }

  async createAccount(record: ConnectAccountRecord) {
    if (this.operatorAccountIds.has(record.operatorId)) return 'exists' as const;
    this.operatorAccountIds.set(record.operatorId, record.state.accountId);
    this.accounts.set(record.operatorId, structuredClone(record));
    return 'created' as const;
  }

  async saveState(operatorId: string, state: ConnectAccountState, stateAsOf: number, updatedAt: string) {
    const record = this.accounts.get(operatorId);
    if (!record || record.stateAsOf > stateAsOf) return 'stale' as const;
    this.accounts.set(operatorId, { ...record, state: structuredClone(state), stateAsOf, updatedAt });
    return 'saved' as const;
  }

  async setLink(operatorId: string, linkHash: string, linkExpiresAtMs: number, updatedAt: string) {
    const record = this.accounts.get(operatorId);
    if (!record) throw new Error(`operator ${operatorId} has no connected account`);
    this.accounts.set(operatorId, { ...record, linkHash, linkExpiresAtMs, updatedAt });
  }

  async createTransfer(transfer: SessionTransfer) {
    if (this.transfers.has(transfer.sessionId)) return 'exists' as const;
    this.transfers.set(transfer.sessionId, structuredClone(transfer));
    return 'created' as const;
  }

  async transfer(sessionId: string) {
    const transfer = this.transfers.get(sessionId);
    return transfer ? structuredClone(transfer) : undefined;
  }

  async pendingTransfers(operatorId: string) {
    return [...this.transfers.values()]
      .filter((t) => t.operatorId === operatorId && t.status === 'pending')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((t) => structuredClone(t));
  }

  async markPaid(
    { sessionId }: Pick<SessionTransfer, 'sessionId'>,
    transferId: string | undefined,
    paidAt: string,
    expectedReversedMinor: number,
  ) {
    const transfer = this.transfers.get(sessionId);
    if (transfer?.status !== 'pending' || transfer.reversedMinor !== expectedReversedMinor)
      return 'conflict' as const;
    this.transfers.set(sessionId, {
      ...transfer,
      status: 'paid',
      paidAt,
      ...(transferId ? { transferId } : {}),
    });
    return 'saved' as const;
  }

  async reserveRefund(read: SessionTransfer, claim: RefundClaim) {
    const transfer = this.transfers.get(read.sessionId);
    const id = refundClaimId(claim);
    if (!transfer || claimedOf(transfer) !== claim.offsetMinor || transfer.refundClaims?.[id])
      return 'conflict' as const;
    this.transfers.set(read.sessionId, {
      ...transfer,
      claimedMinor: claim.offsetMinor + claim.amountMinor,
      refundClaims: { ...transfer.refundClaims, [id]: structuredClone(claim) },
    });
    this.markedForRefundClaims.add(read.sessionId);
    return 'reserved' as const;
  }

  async settleRefund(
    sessionId: string,
    claim: RefundClaim,
    expectedStatus: SessionTransfer['status'],
    shares: { reversedMinor: number; feeRefundedMinor: number },
  ) {
    const transfer = this.transfers.get(sessionId);
    const id = refundClaimId(claim);
    if (!transfer?.refundClaims?.[id] || transfer.status !== expectedStatus) return 'conflict' as const;
    const { [id]: _settled, ...others } = transfer.refundClaims;
    this.transfers.set(sessionId, {
      ...transfer,
      refundedMinor: transfer.refundedMinor + claim.amountMinor,
      reversedMinor: transfer.reversedMinor + shares.reversedMinor,
      feeRefundedMinor: transfer.feeRefundedMinor + shares.feeRefundedMinor,
      refundClaims: others,
    });
    return 'saved' as const;
  }

  async abandonRefund(sessionId: string, claim: RefundClaim) {
    const found = this.transfers.get(sessionId)?.refundClaims?.[refundClaimId(claim)];
    if (found) found.claimedAtMs = 0;
  }

  /** Transfers a reservation marked (as the DynamoDB store's sparse index holds them). */
  readonly markedForRefundClaims = new Set<string>();

  async refundClaimMarks() {
    return [...this.markedForRefundClaims];
  }

  async unmarkRefundClaims(sessionId: string) {
    if (Object.keys(this.transfers.get(sessionId)?.refundClaims ?? {}).length === 0)
      this.markedForRefundClaims.delete(sessionId);
  }

  async unflaggedPendingBefore(createdBefore: string, limit: number) {
    return [...this.transfers.values()]
      .filter((t) => t.status === 'pending' && !t.flaggedAt && t.createdAt < createdBefore)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map((t) => structuredClone(t));
  }

  async flag(sessionId: string, flaggedAt: string) {
    const transfer = this.transfers.get(sessionId);
    if (transfer) this.transfers.set(sessionId, { ...transfer, flaggedAt });
  }
}

/** What the fake gateway made, for the tests to add up. */
export interface FakeTransfer extends CreateTransfer {
  transferId: string;
}

export class FakeConnectGateway implements ConnectGateway {
  readonly accounts = new Map<string, ConnectAccountState>();
  readonly transfers: FakeTransfer[] = [];
  readonly reversals: { transferId: string; amountMinor: number; metadata: Record<string, string> }[] = [];
  readonly refunds: { paymentIntentId: string; amountMinor: number }[] = [];
  readonly accountLinks: { accountId: string; refreshUrl: string; returnUrl: string; url: string }[] = [];
  /** The calls that changed something, each key's first answer kept (Stripe's idempotency). */
  private readonly replies = new Map<string, unknown>();
  private n = 0;

  /** The test's stand-in for onboarding progressing: sets the account's capabilities and flags. */
  setAccount(accountId: string, patch: Partial<ConnectAccountState>): ConnectAccountState {
    const state = { ...(this.accounts.get(accountId) as ConnectAccountState), ...patch };
    this.accounts.set(accountId, state);
    return structuredClone(state);
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.replies.has(key)) this.replies.set(key, make());
    return this.replies.get(key) as T;
  }

  async createAccount(input: CreateConnectedAccount) {
    return this.once(input.idempotencyKey, () => {
      const state: ConnectAccountState = {
        accountId: `acct_fake${++this.n}`,
        chargesEnabled: false,
        payoutsEnabled: false,
        detailsSubmitted: false,
        capabilities: { card_payments: 'inactive', transfers: 'inactive' },
        requirementsDue: ['external_account', 'tos_acceptance.date'],
      };
      this.accounts.set(state.accountId, state);
      return structuredClone(state);
    });
  }

  async retrieveAccount(accountId: string) {
    const state = this.accounts.get(accountId);
    if (!state) throw new Error(`No such account: ${accountId}`);
    return structuredClone(state);
  }

  accountStateOf(eventObject: unknown): ConnectAccountState {
    return structuredClone(eventObject as ConnectAccountState);
  }

  async createAccountLink(accountId: string, refreshUrl: string, returnUrl: string) {
    const url = `https://connect.stripe.test/setup/${accountId}/${++this.n}`;
    this.accountLinks.push({ accountId, refreshUrl, returnUrl, url });
    return { url };
  }

  async createLoginLink(accountId: string) {
    return { url: `https://connect.stripe.test/express/${accountId}/${++this.n}` };
  }

  async chargeOfPaymentIntent(paymentIntentId: string) {
    return `ch_of_${paymentIntentId}`;
  }

  /** Invoices the test says are paid (or not), by id. */
  readonly invoices = new Map<string, PaidInvoice>();

  async paidInvoice(invoiceId: string) {
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) throw new Error(`No such invoice: ${invoiceId}`);
    return structuredClone(invoice);
  }

  async createTransfer(input: CreateTransfer) {
    return this.once(input.idempotencyKey, () => {
      if (this.accounts.get(input.destination)?.capabilities.transfers !== 'active')
        throw new Error(`account ${input.destination} cannot receive transfers yet`);
      if (input.amountMinor <= 0) throw new Error('amount must be positive');
      const transferId = `tr_fake${++this.n}`;
      this.transfers.push({ ...structuredClone(input), transferId });
      return { transferId };
    });
  }

  async transferOfGroup(transferGroup: string) {
    const made = this.transfers.find((t) => t.transferGroup === transferGroup);
    if (!made) return undefined;
    const reversedMinor = this.reversals
      .filter((r) => r.transferId === made.transferId)
      .reduce((sum, r) => sum + r.amountMinor, 0);
    return { transferId: made.transferId, sentMinor: made.amountMinor - reversedMinor };
  }

  /** Stripe forgets an idempotency key after about 24 h: the test's way of getting there. */
  forgetIdempotencyKeys(): void {
    this.replies.clear();
  }

  async createReversal(
    transferId: string,
    amountMinor: number,
    metadata: Record<string, string>,
    key: string,
  ) {
    return this.once(key, () => {
      this.reversals.push({ transferId, amountMinor, metadata: { ...metadata } });
      return { reversalId: `trr_fake${++this.n}` };
    });
  }

  async refund(paymentIntentId: string, amountMinor: number, _metadata: Record<string, string>, key: string) {
    return this.once(key, () => {
      this.refunds.push({ paymentIntentId, amountMinor });
      return { refundId: `re_fake${++this.n}` };
    });
  }
}
