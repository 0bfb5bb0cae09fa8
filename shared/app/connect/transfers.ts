/**
 * Funds flow: separate charges and transfers. The driver's card is charged on the platform's account;
 * each captured session then owes its operator one transfer of captured − platform fee, with
 * `source_transaction` = the session's charge (so the funds are used as they settle) and
 * `transfer_group` = the session.
 *
 * Held until ready: while the account's `transfers` capability is not active the transfer is only
 * recorded, `pending`. `account.updated` saying it is active releases every pending one.
 *
 * Exactly once, crash-safe: the record is created once per session (a redelivered capture finds it);
 * Stripe is called under `transfer:<sessionId>`, so a release retried after a crash (Stripe made the
 * transfer, the record still says pending) gets the same transfer back; the record moves
 * pending → paid only conditionally, so two releases racing record it once. Stripe keeps an
 * idempotency key at least 24 h: a release retried later than that first looks the session's
 * `transfer_group` up and records the transfer it finds instead of making another. The sweep only
 * flags what waits too long, for a person to look at.
 *
 * A fleet's paid monthly invoice owes its operator one transfer the same way (recordFleetInvoiceTransfer),
 * keyed by the invoice instead of a session.
 *
 * Refunds racing a release: never more than captured − fee − refunded goes out. The record moves to
 * paid only against the refunds it was sent for; one that took its share off in between is reversed
 * on the spot (see payTransfer), one that finds it paid reverses its own share (refunds.ts).
 */
import { feeRuleFor, platformFeeMinor, sessionsFeeMinor } from '../../domain/platform-fee.js';
import { canReceiveTransfers, type SessionTransfer } from '../../ports/connect.js';
import type { PaymentSession } from '../../ports/payments.js';
import type { PaidStatementStore } from '../fleets/deps.js';
import { type ConnectDeps, isoFromMillis } from './deps.js';

export type RecordTransferOutcome =
  | 'nothing-captured'
  | 'pending'
  | 'paid'
  | 'nothing-to-send'
  | 'already-recorded';

/** The session's capture is recorded: record its transfer and make it if the account can take it. */
export async function recordSessionTransfer(
  deps: ConnectDeps,
  session: Pick<
    PaymentSession,
    'sessionId' | 'operatorId' | 'chargerId' | 'transactionId' | 'paymentIntentId' | 'currency' | 'settlement'
  >,
): Promise<RecordTransferOutcome> {
  const capturedMinor = session.settlement?.outcome === 'captured' ? session.settlement.capturedMinor : 0;
  if (capturedMinor === 0) return 'nothing-captured';
  return recordAndPay(deps, session.sessionId, session.operatorId, async () => {
    const feeMinor = await feeOf(deps, session.operatorId, capturedMinor);
    const sourceChargeId = await deps.stripe.chargeOfPaymentIntent(session.paymentIntentId);
    if (!sourceChargeId)
      throw new Error(`PaymentIntent ${session.paymentIntentId} has no charge to transfer from`);
    return {
      ...newTransfer(deps, session.sessionId, session.operatorId, capturedMinor, feeMinor),
      chargerId: session.chargerId,
      transactionId: session.transactionId ?? 0,
      currency: session.currency,
      paymentIntentId: session.paymentIntentId,
      sourceChargeId,
    };
  });
}

/** The Stripe events of the platform account that `recordFleetInvoiceTransfer` acts on. */
export const FLEET_INVOICE_EVENTS_ACTED_ON = ['invoice.paid'] as const;

export type FleetInvoiceTransferOutcome =
  | RecordTransferOutcome
  | 'not-a-fleet-invoice'
  | 'not-paid'
  | 'no-statement'
  | 'paid-outside-stripe';

/** The key (and `transfer_group`) of a fleet invoice's transfer: one per invoice. */
export const fleetInvoiceTransferKey = (invoiceId: string): string => `fleet-invoice:${invoiceId}`;

/** A paid fleet invoice's transfer needs the statements too: the billed sessions and the paid mark. */
export interface FleetInvoiceDeps extends ConnectDeps {
  fleetStatements: PaidStatementStore;
}

/**
 * A fleet's monthly invoice (app/fleets/monthly-statements.ts) is paid (`invoice.paid`): its statement
 * is marked paid, and the operator is owed what was paid less the platform fee, sent like a session's
 * transfer (held until the account can receive it, exactly once, `source_transaction` = the charge
 * the payment made). The fee is the sum of each billed session's fee (domain sessionsFeeMinor), so a
 * fixed part per session is taken per session, not once per invoice. The invoice is read again from
 * Stripe (events repeat and come out of order); one not made by the monthly run (no fleet in its
 * metadata) is left alone, and one paid outside Stripe has no charge to draw on.
 */
export async function recordFleetInvoiceTransfer(
  deps: FleetInvoiceDeps,
  invoiceId: string,
): Promise<FleetInvoiceTransferOutcome> {
  const invoice = await deps.stripe.paidInvoice(invoiceId);
  const { operatorId, fleetId, month } = invoice.metadata;
  if (!operatorId || !fleetId || !month) return 'not-a-fleet-invoice';
  if (invoice.status !== 'paid' || invoice.amountPaidMinor <= 0) return 'not-paid';
  const statement = await deps.fleetStatements.get(operatorId, fleetId, month);
  if (statement?.invoice?.stripeInvoiceId !== invoiceId) {
    deps.log.warn('fleet invoice paid, but its statement names another invoice or none: look at it', {
      operatorId,
      fleetId,
      month,
      invoiceId,
    });
    return 'no-statement';
  }
  const paidAt = invoice.paidAt ?? isoFromMillis(deps.clock.now());
  await deps.fleetStatements.markInvoicePaid(operatorId, fleetId, month, invoiceId, paidAt);
  const sourceChargeId = invoice.chargeId;
  if (!sourceChargeId) {
    deps.log.warn('fleet invoice paid outside Stripe: nothing to transfer from; settle it by hand', {
      operatorId,
      fleetId,
      month,
      invoiceId,
    });
    return 'paid-outside-stripe';
  }
  const key = fleetInvoiceTransferKey(invoiceId);
  return recordAndPay(deps, key, operatorId, async () => ({
    ...newTransfer(
      deps,
      key,
      operatorId,
      invoice.amountPaidMinor,
      await statementFeeOf(deps, operatorId, fleetId, month, invoice.amountPaidMinor),
    ),
    chargerId: '',
    transactionId: 0,
    currency: invoice.currency,
    paymentIntentId: '',
    sourceChargeId,
    fleetInvoice: { invoiceId, fleetId, month },
  }));
}

async function feeOf(deps: ConnectDeps, operatorId: string, grossMinor: number): Promise<number> {
  const operator = await deps.operators.operator(operatorId);
  return platformFeeMinor(grossMinor, feeRuleFor(deps.settings.fee, operator?.platformFee));
}

/** The sum of each billed session's fee (FEE_PER_SESSION_SUM), never more than what was paid. */
async function statementFeeOf(
  deps: FleetInvoiceDeps,
  operatorId: string,
  fleetId: string,
  month: string,
  paidMinor: number,
): Promise<number> {
  const operator = await deps.operators.operator(operatorId);
  const rule = feeRuleFor(deps.settings.fee, operator?.platformFee);
  const sessionGross: number[] = [];
  let after: string | undefined;
  do {
    const page = await deps.fleetStatements.lines(operatorId, fleetId, month, {
      limit: LINE_PAGE,
      ...(after ? { after } : {}),
    });
    for (const line of page.items) sessionGross.push(line.total.grossMinor);
    after = page.next;
  } while (after);
  return Math.min(paidMinor, sessionsFeeMinor(sessionGross, rule));
}

/** Statement lines read per page for the fee. */
const LINE_PAGE = 500;

function newTransfer(
  deps: ConnectDeps,
  key: string,
  operatorId: string,
  grossMinor: number,
  feeMinor: number,
) {
  return {
    sessionId: key,
    operatorId,
    grossMinor,
    feeMinor,
    netMinor: grossMinor - feeMinor,
    status: 'pending' as const,
    reversedMinor: 0,
    refundedMinor: 0,
    feeRefundedMinor: 0,
    claimedMinor: 0,
    refundClaims: {},
    createdAt: isoFromMillis(deps.clock.now()),
  };
}

/** Records the transfer under `key` once (a redelivery finds it) and makes it if the account can take it. */
async function recordAndPay(
  deps: ConnectDeps,
  key: string,
  operatorId: string,
  build: () => Promise<SessionTransfer>,
): Promise<RecordTransferOutcome> {
  let transfer = await deps.store.transfer(key);
  let outcome: RecordTransferOutcome = 'already-recorded';
  if (!transfer) {
    const fresh = await build();
    if ((await deps.store.createTransfer(fresh)) === 'exists') {
      transfer = await deps.store.transfer(key);
      if (!transfer) throw new Error(`transfer ${key} vanished`);
    } else {
      transfer = fresh;
      outcome = 'pending';
    }
  }
  if (transfer.status !== 'pending') return outcome;
  const account = await deps.store.account(operatorId);
  if (!account || !canReceiveTransfers(account.state)) return outcome;
  return payTransfer(deps, transfer, account.state.accountId);
}

/** Makes every pending transfer of the operator; the number made now. Safe to run twice at once. */
export async function releasePendingTransfers(deps: ConnectDeps, operatorId: string): Promise<number> {
  const account = await deps.store.account(operatorId);
  if (!account || !canReceiveTransfers(account.state)) return 0;
  let made = 0;
  for (const transfer of await deps.store.pendingTransfers(operatorId)) {
    const outcome = await payTransfer(deps, transfer, account.state.accountId);
    if (outcome === 'paid' || outcome === 'nothing-to-send') made += 1;
  }
  if (made > 0) deps.log.info('held transfers released', { operatorId, count: made });
  return made;
}

async function payTransfer(
  deps: ConnectDeps,
  read: SessionTransfer,
  accountId: string,
): Promise<'paid' | 'nothing-to-send' | 'already-recorded'> {
  const paidAt = isoFromMillis(deps.clock.now());
  let transfer = read;
  // A refund made while the transfer waited took its share off already (refunds.ts).
  const owedMinor = (t: SessionTransfer) => t.netMinor - t.reversedMinor;
  const made = await sendOnce(deps, transfer, accountId);
  let sentMinor = made?.sentMinor ?? 0;
  // The record moves to paid only against the refunds it was sent for: a refund landing between the
  // send and the record (refunds.ts took its share off the pending transfer) is reversed here, then
  // the record is tried again; a refund landing after it finds the transfer paid and reverses itself.
  for (;;) {
    const backMinor = sentMinor - owedMinor(transfer);
    if (made && backMinor > 0) {
      await deps.stripe.createReversal(
        made.transferId,
        backMinor,
        { sessionId: transfer.sessionId, reason: 'refunded-while-sending' },
        `transfer-back:${transfer.sessionId}:${transfer.reversedMinor}`,
      );
      sentMinor -= backMinor;
    }
    const saved = await deps.store.markPaid(transfer, made?.transferId, paidAt, transfer.reversedMinor);
    if (saved === 'saved') return made ? 'paid' : 'nothing-to-send';
    const again = await deps.store.transfer(transfer.sessionId);
    if (again?.status !== 'pending') return 'already-recorded';
    transfer = again;
  }
}

/**
 * Makes the session's transfer, or finds the one made before: Stripe keeps the `transfer:<sessionId>`
 * key about 24 h, so a release retried later (a crash between Stripe and the record, then a quiet
 * day) looks the session's `transfer_group` up first and records what it finds. Undefined when the
 * fee or refunds left nothing to send (Stripe refuses a zero transfer, and nothing is owed).
 */
async function sendOnce(
  deps: ConnectDeps,
  transfer: SessionTransfer,
  accountId: string,
): Promise<{ transferId: string; sentMinor: number } | undefined> {
  const existing = await deps.stripe.transferOfGroup(transfer.sessionId);
  if (existing) return existing;
  const amountMinor = transfer.netMinor - transfer.reversedMinor;
  if (amountMinor <= 0) return undefined;
  const { transferId } = await deps.stripe.createTransfer({
    amountMinor,
    currency: transfer.currency,
    destination: accountId,
    sourceTransaction: transfer.sourceChargeId,
    transferGroup: transfer.sessionId,
    metadata: {
      operatorId: transfer.operatorId,
      sessionId: transfer.sessionId,
      ...(transfer.fleetInvoice
        ? { ...transfer.fleetInvoice }
        : { chargerId: transfer.chargerId, transactionId: String(transfer.transactionId) }),
      grossMinor: String(transfer.grossMinor),
      feeMinor: String(transfer.feeMinor),
    },
    idempotencyKey: `transfer:${transfer.sessionId}`,
  });
  return { transferId, sentMinor: amountMinor };
}

/**
 * Flags pending transfers older than the deployment's limit, a page at a time (the sweeper calls it
 * on its schedule; one index query, no scan). The number flagged now.
 */
export async function flagStalePendingTransfers(deps: ConnectDeps, limit = 100): Promise<number> {
  const nowMs = deps.clock.now();
  const cutoff = isoFromMillis(nowMs - deps.settings.pendingFlagDays * 24 * 3600 * 1000);
  const stale = await deps.store.unflaggedPendingBefore(cutoff, limit);
  for (const transfer of stale) {
    await deps.store.flag(transfer.sessionId, isoFromMillis(nowMs));
    // The platform's alarm counts these lines (lib/constructs/alarms.ts): keep the message as is.
    deps.log.warn(STALE_TRANSFER_LOG_MESSAGE, {
      sessionId: transfer.sessionId,
      operatorId: transfer.operatorId,
      since: transfer.createdAt,
      netMinor: transfer.netMinor - transfer.reversedMinor,
      pendingFlagDays: deps.settings.pendingFlagDays,
    });
  }
  return stale.length;
}

/** The WARN line of each transfer flagged: the platform's metric filter matches it exactly. */
export const STALE_TRANSFER_LOG_MESSAGE = 'stale pending transfer flagged';

/** What the operator sees of its held transfers: how many, how much, how many flagged as stale. */
export interface HeldTransfers {
  count: number;
  /** What they will send once the account can receive them (net of fee and refunds). */
  amountMinor: number;
  /** Held longer than the deployment's limit: the platform has been told too. */
  flagged: number;
  /** When the oldest was recorded. */
  oldestSince?: string;
}

export async function heldTransfersOf(deps: ConnectDeps, operatorId: string): Promise<HeldTransfers> {
  const pending = await deps.store.pendingTransfers(operatorId);
  const oldest = pending[0];
  return {
    count: pending.length,
    amountMinor: pending.reduce((sum, t) => sum + t.netMinor - t.reversedMinor, 0),
    flagged: pending.filter((t) => t.flaggedAt !== undefined).length,
    ...(oldest ? { oldestSince: oldest.createdAt } : {}),
  };
}
