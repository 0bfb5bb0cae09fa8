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
 * idempotency key at least 24 h: a release retried later than that must not happen blindly, which
 * is why the release is driven by the webhook (retried by Stripe within 3 days) and the sweep only
 * flags what waits too long, for a person to look at.
 */
import { feeRuleFor, platformFeeMinor } from '../../domain/platform-fee.js';
import { canReceiveTransfers, type SessionTransfer } from '../../ports/connect.js';
import type { PaymentSession } from '../../ports/payments.js';
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
  let transfer = await deps.store.transfer(session.sessionId);
  let outcome: RecordTransferOutcome = 'already-recorded';
  if (!transfer) {
    const operator = await deps.operators.operator(session.operatorId);
    const feeMinor = platformFeeMinor(capturedMinor, feeRuleFor(deps.settings.fee, operator?.platformFee));
    const sourceChargeId = await deps.stripe.chargeOfPaymentIntent(session.paymentIntentId);
    if (!sourceChargeId)
      throw new Error(`PaymentIntent ${session.paymentIntentId} has no charge to transfer from`);
    transfer = {
      sessionId: session.sessionId,
      operatorId: session.operatorId,
      chargerId: session.chargerId,
      transactionId: session.transactionId ?? 0,
      currency: session.currency,
      paymentIntentId: session.paymentIntentId,
      sourceChargeId,
      grossMinor: capturedMinor,
      feeMinor,
      netMinor: capturedMinor - feeMinor,
      status: 'pending',
      reversedMinor: 0,
      refundedMinor: 0,
      feeRefundedMinor: 0,
      createdAt: isoFromMillis(deps.clock.now()),
    };
    if ((await deps.store.createTransfer(transfer)) === 'exists') {
      transfer = await deps.store.transfer(session.sessionId);
      if (!transfer) throw new Error(`transfer of session ${session.sessionId} vanished`);
    } else {
      outcome = 'pending';
    }
  }
  if (transfer.status !== 'pending') return outcome;
  const account = await deps.store.account(session.operatorId);
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
  transfer: SessionTransfer,
  accountId: string,
): Promise<'paid' | 'nothing-to-send' | 'already-recorded'> {
  const paidAt = isoFromMillis(deps.clock.now());
  // A refund made while the transfer waited took its share off already (refunds.ts).
  const amountMinor = transfer.netMinor - transfer.reversedMinor;
  if (amountMinor === 0) {
    // The fee (or refunds) took it all: Stripe refuses a zero transfer, and nothing is owed.
    return (await deps.store.markPaid(transfer.sessionId, undefined, paidAt)) === 'saved'
      ? 'nothing-to-send'
      : 'already-recorded';
  }
  const { transferId } = await deps.stripe.createTransfer({
    amountMinor,
    currency: transfer.currency,
    destination: accountId,
    sourceTransaction: transfer.sourceChargeId,
    transferGroup: transfer.sessionId,
    metadata: {
      operatorId: transfer.operatorId,
      sessionId: transfer.sessionId,
      chargerId: transfer.chargerId,
      transactionId: String(transfer.transactionId),
      grossMinor: String(transfer.grossMinor),
      feeMinor: String(transfer.feeMinor),
    },
    idempotencyKey: `transfer:${transfer.sessionId}`,
  });
  return (await deps.store.markPaid(transfer.sessionId, transferId, paidAt)) === 'saved'
    ? 'paid'
    : 'already-recorded';
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
    deps.log.warn('a transfer has waited for its operator’s onboarding too long', {
      sessionId: transfer.sessionId,
      operatorId: transfer.operatorId,
      since: transfer.createdAt,
    });
  }
  return stale.length;
}
