/**
 * The PayoutLedger port over the real `stripe` SDK: a connected account's payout and its contents
 * (`GET /v1/balance_transactions?payout=po_…` with `Stripe-Account`, automatic payouts only).
 *
 * A payout's lines lead to sessions through the transfers: a `payment` line's source is the `py_…`
 * the transfer made on the account (its `source_transfer` the `tr_…`), a `payment_refund` line's a
 * `pyr_…` refund of such a payment. The transfer's metadata names the session and holds the gross and
 * fee stored when it was made (the contract with the connect flow). Three listings rather than one
 * retrieve per transfer: every line, then the payments and the refunds with their transfers expanded
 * (Stripe expands at most four levels, which `data.source.charge.source_transfer` is).
 */
import type Stripe from 'stripe';
import type { PayoutLine } from '../../domain/invoice.js';
import type { PayoutContents, PayoutFacts, PayoutLedger } from '../../ports/payouts.js';

const PAGE_SIZE = 100;
const MINOR = /^(0|[1-9]\d{0,14})$/;

const STATUSES: readonly PayoutFacts['status'][] = ['pending', 'in_transit', 'paid', 'failed', 'canceled'];

function toFacts(stripeAccountId: string, payout: Stripe.Payout): PayoutFacts {
  return {
    payoutId: payout.id,
    stripeAccountId,
    currency: payout.currency.toUpperCase(),
    amountMinor: payout.amount,
    // A status a newer API version adds reads as pending: nothing is invoiced on it.
    status: (STATUSES as readonly string[]).includes(payout.status)
      ? (payout.status as PayoutFacts['status'])
      : 'pending',
    automatic: payout.automatic,
    createdAt: payout.created,
    arrivalDate: payout.arrival_date,
    ...(payout.failure_code ? { failureCode: payout.failure_code } : {}),
    ...(payout.failure_message ? { failureMessage: payout.failure_message } : {}),
  };
}

interface SessionOfTransfer {
  transferId: string;
  operatorId: string;
  sessionId: string;
  chargerId?: string;
  grossMinor: number;
  feeMinor: number;
}

/** The session a platform transfer was made for, or undefined for a transfer without the metadata. */
function sessionOf(transfer: Stripe.Transfer | string | null | undefined): SessionOfTransfer | undefined {
  if (!transfer || typeof transfer === 'string') return undefined;
  const m = transfer.metadata ?? {};
  if (!m.sessionId || !m.operatorId || !MINOR.test(m.grossMinor ?? '') || !MINOR.test(m.feeMinor ?? '')) {
    return undefined;
  }
  return {
    transferId: transfer.id,
    operatorId: m.operatorId,
    sessionId: m.sessionId,
    ...(m.chargerId ? { chargerId: m.chargerId } : {}),
    grossMinor: Number(m.grossMinor),
    feeMinor: Number(m.feeMinor),
  };
}

export class StripePayoutLedger implements PayoutLedger {
  constructor(private readonly client: () => Promise<Stripe>) {}

  async payout(stripeAccountId: string, payoutId: string): Promise<PayoutFacts> {
    const stripe = await this.client();
    const payout = await stripe.payouts.retrieve(payoutId, {}, { stripeAccount: stripeAccountId });
    return toFacts(stripeAccountId, payout);
  }

  async operatorOfAccount(stripeAccountId: string): Promise<string | undefined> {
    const stripe = await this.client();
    const account = await stripe.accounts.retrieve(stripeAccountId);
    return account.metadata?.operatorId || undefined;
  }

  async contents(stripeAccountId: string, payoutId: string): Promise<PayoutContents> {
    const stripe = await this.client();
    const list = async (params: Stripe.BalanceTransactionListParams) => {
      const out: Stripe.BalanceTransaction[] = [];
      for await (const txn of stripe.balanceTransactions.list(
        { ...params, payout: payoutId, limit: PAGE_SIZE },
        { stripeAccount: stripeAccountId },
      )) {
        out.push(txn);
      }
      return out;
    };
    const [all, payments, refunds] = await Promise.all([
      list({}),
      list({ type: 'payment', expand: ['data.source.source_transfer'] }),
      list({ type: 'payment_refund', expand: ['data.source.charge.source_transfer'] }),
    ]);
    const transferOf = new Map<string, SessionOfTransfer | undefined>();
    for (const txn of payments) {
      const payment = txn.source as Stripe.Charge | null;
      transferOf.set(txn.id, sessionOf(payment?.source_transfer));
    }
    for (const txn of refunds) {
      const refund = txn.source as Stripe.Refund | null;
      const payment = refund?.charge as Stripe.Charge | string | null | undefined;
      transferOf.set(txn.id, typeof payment === 'object' ? sessionOf(payment?.source_transfer) : undefined);
    }

    const lines: PayoutLine[] = [];
    const operatorIds = new Set<string>();
    // Oldest first reads naturally on an invoice; Stripe lists newest first.
    for (const txn of [...all].reverse()) {
      if (txn.type === 'payout' && txn.source === payoutId) continue;
      const common = { balanceTransactionId: txn.id, amountMinor: txn.net, at: txn.created };
      const session = transferOf.get(txn.id);
      if (session) operatorIds.add(session.operatorId);
      const charger = session?.chargerId ? { chargerId: session.chargerId } : {};
      if (txn.type === 'payment' && session) {
        lines.push({
          kind: 'session',
          ...common,
          transferId: session.transferId,
          sessionId: session.sessionId,
          ...charger,
          grossMinor: session.grossMinor,
          feeMinor: session.feeMinor,
        });
      } else if (txn.type === 'payment_refund' && session) {
        lines.push({
          kind: 'refund',
          ...common,
          transferId: session.transferId,
          sessionId: session.sessionId,
          ...charger,
        });
      } else {
        lines.push({ kind: 'other', ...common, description: txn.description ?? txn.type });
      }
    }
    return { lines, operatorIds: [...operatorIds].sort() };
  }
}
