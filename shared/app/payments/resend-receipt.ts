/**
 * "Email me the receipt again" on the Transaction URL page. The copy goes through the same outbox
 * as the receipt itself (one item per session, kind and copy number, sent once), so a double click
 * or a retried request queues at most one more email. Copies are capped: the page is public to
 * whoever holds the link, and it must not become a way to mail the driver without end.
 */
import type { PaymentSession, ReceiptKind, ReceiptRequest } from '../../ports/payments.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';
import { PaymentFlowError } from './errors.js';

/** Copies a driver may ask for, per receipt. */
export const MAX_RECEIPT_COPIES = 3;

/**
 * Later receipts supersede earlier ones: the transaction receipt is the one a driver wants again.
 * Refund receipts are numbered per refund, not per copy, so the page never resends one.
 */
type CopiableKind = Exclude<ReceiptKind, 'refund'>;
const KIND_RANK: Record<CopiableKind, number> = { 'pre-auth': 0, cancellation: 1, transaction: 2 };
const copiable = (kind: ReceiptKind): kind is CopiableKind => kind !== 'refund';

/**
 * Queues the next copy of the session's newest receipt. Throws PAY_NO_RECEIPT when the session has
 * none yet (card entry unfinished) and PAY_TOO_MANY_COPIES after {@link MAX_RECEIPT_COPIES}.
 */
export async function requestReceiptCopy(
  deps: PaymentsDeps,
  session: PaymentSession,
): Promise<ReceiptRequest & { outcome: 'queued' | 'duplicate' }> {
  const receipts = await deps.outbox.ofSession(session.sessionId);
  const originals = receipts.filter((r) => r.copy === 0);
  const newest = originals.reduce<CopiableKind | undefined>(
    (best, r) =>
      copiable(r.kind) && (best === undefined || KIND_RANK[r.kind] > KIND_RANK[best]) ? r.kind : best,
    undefined,
  );
  if (newest === undefined) {
    throw new PaymentFlowError('PAY_NO_RECEIPT', 'There is no receipt for this session yet.');
  }
  const copies = receipts.filter((r) => r.kind === newest && r.copy > 0).map((r) => r.copy);
  const lastCopy = copies.length ? Math.max(...copies) : 0;
  if (lastCopy >= MAX_RECEIPT_COPIES) {
    throw new PaymentFlowError(
      'PAY_TOO_MANY_COPIES',
      `This receipt has already been sent again ${MAX_RECEIPT_COPIES} times. Please check your inbox and spam folder.`,
    );
  }
  const request: ReceiptRequest = {
    sessionId: session.sessionId,
    kind: newest,
    copy: lastCopy + 1,
    requestedAt: isoFromMillis(deps.clock.now()),
  };
  const outcome = await deps.outbox.enqueue(request);
  deps.log.info('receipt copy requested', { sessionId: session.sessionId, kind: newest, copy: request.copy });
  return { ...request, outcome };
}
