/**
 * A payout's invoice: what Stripe paid an operator, line by line, and the totals the operator reads.
 *
 * The lines come from the payout's balance transactions (Stripe's own account of what the payout
 * swept), each mapped to its session through the transfer's metadata. The figures are never
 * recomputed here: a session's gross and platform fee are the ones stored when its transfer was made
 * (the transfer metadata `grossMinor` / `feeMinor`), and a line's amount is the balance transaction's.
 * So the invoice adds up by construction, and `summarisePayout` refuses lines that do not: gross − fee
 * must be the transferred amount, and the lines must sum to the payout amount to the penny.
 */
import { DomainError } from './errors.js';
import type { MinorUnits } from './money.js';

/** One balance transaction of a payout, as the invoice reads it. */
export type PayoutLine =
  | {
      kind: 'session';
      balanceTransactionId: string;
      /** What reached the operator's balance: gross − fee. */
      amountMinor: MinorUnits;
      transferId: string;
      sessionId: string;
      chargerId?: string;
      /** The captured amount the driver paid, as stored on the transfer. */
      grossMinor: MinorUnits;
      /** The platform's fee, as stored on the transfer. */
      feeMinor: MinorUnits;
      at: number;
    }
  | {
      kind: 'refund';
      balanceTransactionId: string;
      /** Negative: the operator's share given back. */
      amountMinor: MinorUnits;
      transferId: string;
      sessionId: string;
      chargerId?: string;
      at: number;
    }
  | {
      /** Anything else the payout swept (a failed payout's money coming back, an adjustment). */
      kind: 'other';
      balanceTransactionId: string;
      amountMinor: MinorUnits;
      description: string;
      at: number;
    };

/**
 * A session line's `sessionId` is the key its transfer was recorded under: a paid session's id, or,
 * for a fleet's paid monthly invoice (one transfer for the month's sessions), this prefix and the
 * Stripe invoice id (app/connect/transfers.ts `fleetInvoiceTransferKey`).
 */
const FLEET_INVOICE_TRANSFER_PREFIX = 'fleet-invoice:';

/** The Stripe invoice a session line's transfer paid out, when it was a fleet's invoice. */
export const fleetInvoiceOfLine = (sessionId: string): string | undefined =>
  sessionId.startsWith(FLEET_INVOICE_TRANSFER_PREFIX)
    ? sessionId.slice(FLEET_INVOICE_TRANSFER_PREFIX.length)
    : undefined;

export interface PayoutTotals {
  payoutAmountMinor: MinorUnits;
  /** Σ captured of the sessions in the payout. */
  grossTakingsMinor: MinorUnits;
  /** Σ platform fees of those sessions. */
  feesMinor: MinorUnits;
  /** Σ refunds reversed from the operator (a positive number). */
  refundsMinor: MinorUnits;
  /** Σ other lines (signed). */
  otherMinor: MinorUnits;
  /** Distinct sessions with a transfer in this payout (a fleet invoice's transfer is not one). */
  sessionCount: number;
}

export class InvoiceMismatchError extends DomainError {
  override readonly name = 'InvoiceMismatchError';

  constructor(message: string) {
    super('INVOICE_MISMATCH', message);
  }
}

/**
 * The totals of a payout from its lines. Throws {@link InvoiceMismatchError} when a session line's
 * stored gross − fee is not what Stripe moved, or when the lines do not sum to the payout amount:
 * an invoice that does not add up is never issued.
 */
export function summarisePayout(payoutAmountMinor: MinorUnits, lines: readonly PayoutLine[]): PayoutTotals {
  let sum = 0;
  let grossTakingsMinor = 0;
  let feesMinor = 0;
  let refundsMinor = 0;
  let otherMinor = 0;
  const sessions = new Set<string>();
  for (const line of lines) {
    requireMinor(line.amountMinor, line.balanceTransactionId);
    sum += line.amountMinor;
    switch (line.kind) {
      case 'session':
        requireMinor(line.grossMinor, line.balanceTransactionId);
        requireMinor(line.feeMinor, line.balanceTransactionId);
        if (line.grossMinor - line.feeMinor !== line.amountMinor) {
          throw new InvoiceMismatchError(
            `session ${line.sessionId}: stored gross ${line.grossMinor} − fee ${line.feeMinor} is not the ${line.amountMinor} transferred (${line.transferId})`,
          );
        }
        grossTakingsMinor += line.grossMinor;
        feesMinor += line.feeMinor;
        if (fleetInvoiceOfLine(line.sessionId) === undefined) sessions.add(line.sessionId);
        break;
      case 'refund':
        refundsMinor -= line.amountMinor;
        break;
      case 'other':
        otherMinor += line.amountMinor;
        break;
    }
  }
  if (sum !== payoutAmountMinor) {
    throw new InvoiceMismatchError(
      `the payout's lines sum to ${sum}, not to its amount ${payoutAmountMinor}: its contents are incomplete`,
    );
  }
  return {
    payoutAmountMinor,
    grossTakingsMinor,
    feesMinor,
    refundsMinor,
    otherMinor,
    sessionCount: sessions.size,
  };
}

function requireMinor(value: number, where: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new InvoiceMismatchError(`${where}: ${value} is not an integer amount of minor units`);
  }
}

/** How an invoice number is printed: the operator's sequence, zero-padded (`INV-000042`). */
export function formatInvoiceNumber(sequence: number): string {
  return `INV-${String(sequence).padStart(6, '0')}`;
}
