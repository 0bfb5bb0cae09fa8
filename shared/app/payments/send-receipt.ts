/**
 * Sends one queued receipt (an outbox item written by the flow that owes it) and marks it sent.
 * Reached from the table stream when the outbox item is inserted, so a slow or failing mail service
 * never holds up a session: the flow that queued the receipt has already moved on.
 *
 * Exactly once per event, within what email allows: the outbox key (session, kind, copy) makes the
 * request unique, and a receipt marked sent is never sent again. A crash between the mail service
 * accepting it and the mark would send it a second time on the retry (email has no idempotency key);
 * that is the one duplicate possible. Retryable mail errors are thrown so the stream retries;
 * permanent ones (a bad address) are recorded on the item and not retried.
 */
import { isRetryableMailError } from '../../ports/mailer.js';
import type { ReceiptDocument, ReceiptRequest } from '../../ports/payments.js';
import { transactionUrl } from './begin-payment.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';

export type SendOutcome = 'sent' | 'already-sent' | 'failed' | 'not-ready';

export async function sendReceipt(deps: PaymentsDeps, request: ReceiptRequest): Promise<SendOutcome> {
  const records = await deps.outbox.ofSession(request.sessionId);
  const record = records.find((r) => r.kind === request.kind && r.copy === request.copy);
  if (record?.sentAt || record?.failedAt) return 'already-sent';

  const document = await documentFor(deps, {
    ...request,
    ...(record?.refund ? { refund: record.refund } : {}),
  });
  if (!document) {
    deps.log.error('receipt cannot be composed; left queued', { ...request });
    return 'not-ready';
  }
  const email = await deps.receipts.compose(document);
  const replyTo = document.operator.branding?.supportEmail ?? document.operator.contactEmail;
  try {
    const sent = await deps.mailer.send({
      to: document.session.email,
      ...(replyTo ? { replyTo } : {}),
      ...email,
      tags: { receipt: request.kind },
    });
    await deps.outbox.markSent(request, sent.messageId, isoFromMillis(deps.clock.now()));
    deps.log.info('receipt sent', { ...request, messageId: sent.messageId });
    return 'sent';
  } catch (err) {
    if (isRetryableMailError(err)) throw err;
    const failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await deps.outbox.markFailed(request, failure, isoFromMillis(deps.clock.now()));
    deps.log.error('receipt refused by the mail service; not retried', { ...request, failure });
    return 'failed';
  }
}

async function documentFor(
  deps: PaymentsDeps,
  request: ReceiptRequest,
): Promise<ReceiptDocument | undefined> {
  const session = await deps.sessions.get(request.sessionId);
  if (!session) return undefined;
  const [operator, charger] = await Promise.all([
    deps.catalog.operator(session.operatorId),
    deps.catalog.charger(session.chargerId),
  ]);
  if (!operator || !charger) return undefined;
  const site = session.siteId ? await deps.catalog.site(session.operatorId, session.siteId) : undefined;
  const common = {
    session,
    operator,
    ...(site ? { site } : {}),
    transactionUrl: transactionUrl(
      deps.settings.publicBaseUrl,
      await deps.tokens.tokenFor(session.sessionId),
    ),
  };
  switch (request.kind) {
    case 'pre-auth': {
      const tariff = await deps.catalog.publicTariff(charger);
      return tariff ? { ...common, kind: 'pre-auth', tariff } : undefined;
    }
    case 'cancellation':
      return { ...common, kind: 'cancellation', startTimeoutSeconds: deps.settings.startTimeoutSeconds };
    case 'transaction': {
      if (session.transactionId === undefined) return undefined;
      const charged = await deps.transactions.chargeOf(session.chargerId, session.transactionId);
      if (!charged?.charge || !(charged.charge.stopped || charged.final)) return undefined;
      // A charge finalised because the hold was lapsing is billed up to its end, like a stopped one.
      return { ...common, kind: 'transaction', charge: { ...charged.charge, stopped: true } };
    }
    case 'refund':
      // The facts were written with the outbox item; the stream's copy of the request lacks them.
      return request.refund ? { ...common, kind: 'refund', refund: request.refund } : undefined;
  }
}
