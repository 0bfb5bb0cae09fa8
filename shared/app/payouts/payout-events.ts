/**
 * Connected-account payout events (`payout.paid`, `payout.failed`), delivered on the Connect webhook
 * endpoint and dispatched here by type (shared/app/connect/connect-events.ts).
 *
 * Stripe does not order events and may repeat them, so the event is only a prompt: the payout is
 * re-read from Stripe and its current state acted on. On `paid` the payout's contents (its balance
 * transactions, mapped to sessions through the transfers' metadata) become the simple invoice, stored
 * under the operator's next gapless number once per payout (a redelivery finds it and only finishes
 * what is left: the email), then emailed to the operator. Two deliveries of the same event at the
 * same moment both find the email unsent: only the one whose claim on the payout lands sends it (the
 * other answers `already-invoiced`); a claim whose holder died is taken over once its lease is past,
 * so the email is never lost to a crash, only (at worst) sent twice by one. On `failed` the payout is stored as failed
 * with Stripe's code and message, which the operator sees in the console and API.
 *
 * The operator is the one the transfers name (or the account's metadata, for a payout with no
 * transfer), and must be the operator whose connected account this is: a payout is never filed
 * under another operator.
 */
import { summarisePayout } from '../../domain/invoice.js';
import { isRetryableMailError } from '../../ports/mailer.js';
import type { PayoutContents, PayoutFacts } from '../../ports/payouts.js';
import { isoAt, type PayoutsDeps } from './deps.js';
import { composeInvoiceEmail } from './invoice-email.js';
import { sendDetailedInvoice } from './send-detailed-invoice.js';

/**
 * How long a claim on the invoice email keeps other deliveries off it: well past the webhook
 * function's timeout (28 s, lib/handlers.ts), so a live holder is never overtaken, and well under
 * Stripe's first redelivery (about an hour), so a crashed holder's email still goes out.
 */
export const INVOICE_EMAIL_CLAIM_LEASE_MS = 5 * 60 * 1000;

/** The part of a Stripe Event this reads (Stripe.Event satisfies it). */
export interface PayoutEvent {
  id: string;
  type: string;
  account?: string | null;
  data: { object: object };
}

export type PayoutEventOutcome =
  | 'invoiced'
  | 'already-invoiced'
  | 'failure-recorded'
  | 'email-failed'
  | 'not-ours'
  | 'nothing-to-do';

export async function handlePayoutEvent(deps: PayoutsDeps, event: PayoutEvent): Promise<PayoutEventOutcome> {
  const account = event.account;
  const payoutId = (event.data.object as { id?: unknown }).id;
  if (!account || typeof payoutId !== 'string') return 'nothing-to-do';
  if (event.type !== 'payout.paid' && event.type !== 'payout.failed') return 'nothing-to-do';
  const payout = await deps.ledger.payout(account, payoutId);
  if (payout.status === 'failed') return recordFailure(deps, payout);
  if (event.type !== 'payout.paid' || payout.status !== 'paid') return 'nothing-to-do';
  if (!payout.automatic) {
    // Stripe cannot say what a manual payout contained: there is nothing to invoice line by line.
    deps.log.warn('manual payout not invoiced', { payoutId: payout.payoutId, account });
    return 'nothing-to-do';
  }
  return invoicePayout(deps, payout);
}

async function invoicePayout(deps: PayoutsDeps, payout: PayoutFacts): Promise<PayoutEventOutcome> {
  const contents = await deps.ledger.contents(payout.stripeAccountId, payout.payoutId);
  const operator = await operatorOf(deps, payout, contents);
  if (!operator) return 'not-ours';
  // Throws when the lines do not add up: the webhook fails and Stripe delivers it again later,
  // when its reconciliation of the payout is complete.
  const totals = summarisePayout(payout.amountMinor, contents.lines);
  const at = isoAt(deps.clock);
  const { outcome, record } = await deps.payouts.issueInvoice(
    operator.operatorId,
    payout,
    { issuedAt: at, totals, lines: contents.lines },
    at,
  );
  if (outcome === 'issued') {
    deps.log.info('payout invoiced', {
      operatorId: operator.operatorId,
      payoutId: payout.payoutId,
      invoice: record.invoice?.number,
    });
  }
  if (record.invoice?.emailedAt) return 'already-invoiced';
  const nowMs = deps.clock.now();
  const claimed = await deps.payouts.claimInvoiceEmail(
    operator.operatorId,
    payout.payoutId,
    new Date(nowMs).toISOString(),
    new Date(nowMs - INVOICE_EMAIL_CLAIM_LEASE_MS).toISOString(),
  );
  // Another delivery is sending it; this one still reports whether it was the one that numbered it.
  if (!claimed) return outcome === 'issued' ? 'invoiced' : 'already-invoiced';

  const email = composeInvoiceEmail(operator, record);
  try {
    const sent = await deps.mailer.send({
      to: operator.contactEmail,
      ...email,
      tags: { invoice: 'payout' },
    });
    // The detailed invoice goes before the mark: a crash between them sends both again on the
    // redelivery (email has no idempotency key), never neither.
    if (operator.sendDetailedInvoices) {
      await sendDetailedInvoice(deps, operator.operatorId, payout.payoutId, { operator });
    }
    await deps.payouts.markInvoiceEmailed(
      operator.operatorId,
      payout.payoutId,
      sent.messageId,
      isoAt(deps.clock),
    );
  } catch (err) {
    // The next delivery (Stripe's retry of this one, or a duplicate) may send at once. Should the
    // release fail too, the claim lapses with its lease: the mail error is the one worth reporting.
    await deps.payouts.releaseInvoiceEmailClaim(operator.operatorId, payout.payoutId).catch((releaseErr) =>
      deps.log.warn('invoice email claim not released; it lapses with its lease', {
        payoutId: payout.payoutId,
        failure: releaseErr instanceof Error ? releaseErr.message : String(releaseErr),
      }),
    );
    if (isRetryableMailError(err)) throw err;
    deps.log.error('invoice email refused by the mail service; not retried', {
      operatorId: operator.operatorId,
      payoutId: payout.payoutId,
      failure: err instanceof Error ? err.message : String(err),
    });
    return 'email-failed';
  }
  return outcome === 'issued' ? 'invoiced' : 'already-invoiced';
}

async function recordFailure(deps: PayoutsDeps, payout: PayoutFacts): Promise<PayoutEventOutcome> {
  const operator = await operatorOf(deps, payout, undefined);
  if (!operator) return 'not-ours';
  await deps.payouts.recordFailure(operator.operatorId, payout, isoAt(deps.clock));
  deps.log.warn('payout failed', {
    operatorId: operator.operatorId,
    payoutId: payout.payoutId,
    failureCode: payout.failureCode,
  });
  return 'failure-recorded';
}

async function operatorOf(deps: PayoutsDeps, payout: PayoutFacts, contents: PayoutContents | undefined) {
  const named = contents?.operatorIds ?? [];
  if (named.length > 1) {
    deps.log.error('payout holds transfers of several operators; not invoiced', {
      payoutId: payout.payoutId,
      operatorIds: named,
    });
    return undefined;
  }
  const operatorId = named[0] ?? (await deps.ledger.operatorOfAccount(payout.stripeAccountId));
  const operator = operatorId ? await deps.operators.operator(operatorId) : undefined;
  if (!operator || operator.stripeAccountId !== payout.stripeAccountId) {
    deps.log.error("payout of a connected account that is not its operator's; ignored", {
      payoutId: payout.payoutId,
      account: payout.stripeAccountId,
      operatorId,
    });
    return undefined;
  }
  return operator;
}
