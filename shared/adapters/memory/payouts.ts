/**
 * In-memory store of payouts and invoices with the DynamoDB adapter's semantics: one invoice per
 * payout, numbered from a per-operator counter that moves only with an issued invoice (so numbers
 * are gapless), listings newest first with opaque cursors. For unit tests.
 */

import { formatInvoiceNumber } from '../../domain/invoice.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { InvalidCursorError } from '../../ports/paging.js';
import type { Invoice, PayoutFacts, PayoutRecord, PayoutStore } from '../../ports/payouts.js';

const clone = <T>(v: T): T => structuredClone(v);

function recordOf(operatorId: string, payout: PayoutFacts, at: string): PayoutRecord {
  return {
    operatorId,
    payoutId: payout.payoutId,
    stripeAccountId: payout.stripeAccountId,
    currency: payout.currency,
    amountMinor: payout.amountMinor,
    status: payout.status,
    createdAt: payout.createdAt,
    arrivalDate: payout.arrivalDate,
    updatedAt: at,
  };
}

export class MemoryPayoutStore implements PayoutStore {
  private readonly records = new Map<string, PayoutRecord>();
  private readonly counters = new Map<string, number>();

  private key = (operatorId: string, payoutId: string) => `${operatorId}\u0000${payoutId}`;

  async get(operatorId: string, payoutId: string) {
    const found = this.records.get(this.key(operatorId, payoutId));
    return found ? clone(found) : undefined;
  }

  async list(operatorId: string, page: PageRequest): Promise<Page<PayoutRecord>> {
    const all = [...this.records.values()]
      .filter((r) => r.operatorId === operatorId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.payoutId < b.payoutId ? 1 : -1));
    let from = 0;
    if (page.after !== undefined) {
      from = all.findIndex((r) => r.payoutId === page.after) + 1;
      if (from === 0) throw new InvalidCursorError('the cursor is not one this listing gave');
    }
    const items = all.slice(from, from + page.limit);
    const last = items.at(-1);
    return {
      items: items.map(clone),
      ...(from + page.limit < all.length && last ? { next: last.payoutId } : {}),
    };
  }

  async issueInvoice(
    operatorId: string,
    payout: PayoutFacts,
    invoice: Omit<Invoice, 'sequence' | 'number'>,
    at: string,
  ): Promise<{ outcome: 'issued' | 'exists'; record: PayoutRecord }> {
    const key = this.key(operatorId, payout.payoutId);
    const stored = this.records.get(key);
    if (stored?.invoice) return { outcome: 'exists', record: clone(stored) };
    const sequence = (this.counters.get(operatorId) ?? 0) + 1;
    const record: PayoutRecord = {
      // Stripe's latest facts (re-read by the caller) replace what was stored; a failure stays.
      ...(stored ?? {}),
      ...recordOf(operatorId, payout, at),
      invoice: { ...clone(invoice), sequence, number: formatInvoiceNumber(sequence) },
      updatedAt: at,
    };
    this.counters.set(operatorId, sequence);
    this.records.set(key, record);
    return { outcome: 'issued', record: clone(record) };
  }

  async claimInvoiceEmail(operatorId: string, payoutId: string, at: string, staleBefore: string) {
    const invoice = this.records.get(this.key(operatorId, payoutId))?.invoice;
    if (!invoice || invoice.emailedAt) return false;
    if (invoice.emailClaimedAt !== undefined && invoice.emailClaimedAt >= staleBefore) return false;
    invoice.emailClaimedAt = at;
    return true;
  }

  async releaseInvoiceEmailClaim(operatorId: string, payoutId: string) {
    const invoice = this.records.get(this.key(operatorId, payoutId))?.invoice;
    if (invoice) delete invoice.emailClaimedAt;
  }

  async markInvoiceEmailed(operatorId: string, payoutId: string, messageId: string, at: string) {
    const stored = this.records.get(this.key(operatorId, payoutId));
    if (!stored?.invoice) throw new Error(`payout ${payoutId} has no invoice`);
    stored.invoice.emailedAt = at;
    stored.invoice.emailMessageId = messageId;
  }

  async recordFailure(operatorId: string, payout: PayoutFacts, at: string) {
    const key = this.key(operatorId, payout.payoutId);
    const stored = this.records.get(key) ?? recordOf(operatorId, payout, at);
    this.records.set(key, {
      ...stored,
      status: 'failed',
      failure: {
        code: payout.failureCode ?? 'unknown',
        message: payout.failureMessage ?? 'The bank returned the payout.',
        at,
      },
      updatedAt: at,
    });
  }
}
