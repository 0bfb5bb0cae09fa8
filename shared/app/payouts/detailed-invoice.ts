/**
 * The detailed invoice of a payout: every session in it with its date, charger, energy, each
 * component of its final charge with tax, and the gross, fee and net the operator received. Built
 * from the stored invoice (its totals and per-session figures, never recomputed) and, for what the
 * transfer does not carry, the session's final charge (shared/ports/payments.ts).
 */
import type { Operator } from '../../domain/entities.js';
import { fleetInvoiceOfLine } from '../../domain/invoice.js';
import type { LineAmounts } from '../../domain/money.js';
import type { ChargeLine } from '../../domain/pricing.js';
import type { PaymentSessionRepository, SessionTransactions } from '../../ports/payments.js';
import type { PayoutRecord } from '../../ports/payouts.js';

export interface DetailedSession {
  sessionId: string;
  chargerId?: string;
  /** Epoch seconds: the charge's start, or the transfer's time when the charge cannot be read. */
  startedAt: number;
  energyMilliWh?: number;
  /** The final charge's lines (component, tax rate, net, tax, gross); empty when unreadable. */
  components: ChargeLine[];
  /** The final charge's totals (what was priced; the capture may have been capped by the hold). */
  chargeTotals?: LineAmounts;
  /** What the driver paid (the capture), as stored on the transfer. */
  grossMinor: number;
  feeMinor: number;
  /** What reached the operator: gross − fee. */
  netMinor: number;
}

export interface DetailedRefund {
  sessionId: string;
  at: number;
  /** Positive: what was given back from the operator's share. */
  amountMinor: number;
}

export interface DetailedInvoice {
  operator: Pick<Operator, 'operatorId' | 'name' | 'contactEmail'> & { timeZone: string };
  record: PayoutRecord & { invoice: NonNullable<PayoutRecord['invoice']> };
  sessions: DetailedSession[];
  refunds: DetailedRefund[];
  other: { description: string; at: number; amountMinor: number }[];
}

export interface DetailedInvoiceDeps {
  sessions: Pick<PaymentSessionRepository, 'get'>;
  transactions: Pick<SessionTransactions, 'chargeOf'>;
}

export async function buildDetailedInvoice(
  deps: DetailedInvoiceDeps,
  operator: Operator,
  record: PayoutRecord,
): Promise<DetailedInvoice> {
  const invoice = record.invoice;
  if (!invoice) throw new Error(`payout ${record.payoutId} has no invoice yet`);
  const sessions: DetailedSession[] = [];
  const refunds: DetailedRefund[] = [];
  const other: DetailedInvoice['other'] = [];
  for (const line of invoice.lines) {
    if (line.kind === 'refund') {
      refunds.push({ sessionId: line.sessionId, at: line.at, amountMinor: -line.amountMinor });
      continue;
    }
    if (line.kind === 'other') {
      other.push({ description: line.description, at: line.at, amountMinor: line.amountMinor });
      continue;
    }
    const base: DetailedSession = {
      sessionId: line.sessionId,
      ...(line.chargerId ? { chargerId: line.chargerId } : {}),
      startedAt: line.at,
      components: [],
      grossMinor: line.grossMinor,
      feeMinor: line.feeMinor,
      netMinor: line.amountMinor,
    };
    // A fleet invoice's transfer names no session; its sessions are on the fleet's statement.
    if (fleetInvoiceOfLine(line.sessionId) !== undefined) {
      sessions.push(base);
      continue;
    }
    const session = await deps.sessions.get(line.sessionId);
    // Only the operator's own sessions are read: a transfer's metadata is not trusted across tenants.
    if (!session || session.operatorId !== operator.operatorId || session.transactionId === undefined) {
      sessions.push(base);
      continue;
    }
    const charged = await deps.transactions.chargeOf(session.chargerId, session.transactionId);
    const charge = charged?.final ? charged.charge : undefined;
    sessions.push({
      ...base,
      chargerId: session.chargerId,
      ...(charge
        ? {
            startedAt: charge.startedAt,
            energyMilliWh: charge.energyMilliWh,
            components: charge.lines,
            chargeTotals: charge.totals,
          }
        : {}),
    });
  }
  return {
    operator: {
      operatorId: operator.operatorId,
      name: operator.name,
      contactEmail: operator.contactEmail,
      timeZone: operator.timeZone ?? 'UTC',
    },
    record: { ...record, invoice },
    sessions,
    refunds,
    other,
  };
}
