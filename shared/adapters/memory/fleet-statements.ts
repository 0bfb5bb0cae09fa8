/**
 * Stored fleet statements in memory, as far as a paid invoice's transfer reads and marks them
 * (app/fleets/deps.ts PaidStatementStore), with the DynamoDB adapter's semantics: lines in line
 * order, paged; an invoice marked paid once, and only the invoice the statement names.
 */
import type { PaidStatementStore, StoredStatement } from '../../app/fleets/deps.js';
import { lineOrder, type StatementLine } from '../../domain/fleet-statement.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/paging.js';

const keyOf = (operatorId: string, fleetId: string, month: string) => `${operatorId}#${fleetId}#${month}`;

export class MemoryPaidStatements implements PaidStatementStore {
  private readonly statements = new Map<string, { record: StoredStatement; lines: StatementLine[] }>();

  /** A statement as the monthly run would have stored it, with its lines. */
  put(record: StoredStatement, lines: readonly StatementLine[]): void {
    this.statements.set(keyOf(record.operatorId, record.fleetId, record.month), {
      record: structuredClone(record),
      lines: structuredClone([...lines].sort(lineOrder)),
    });
  }

  async get(operatorId: string, fleetId: string, month: string) {
    const found = this.statements.get(keyOf(operatorId, fleetId, month));
    return found ? structuredClone(found.record) : undefined;
  }

  async lines(
    operatorId: string,
    fleetId: string,
    month: string,
    page: PageRequest,
  ): Promise<Page<StatementLine>> {
    const all = this.statements.get(keyOf(operatorId, fleetId, month))?.lines ?? [];
    const from = page.after === undefined ? 0 : Number(page.after);
    if (!Number.isSafeInteger(from) || from < 0 || from > all.length)
      throw new InvalidCursorError('the cursor is not one this listing gave');
    const items = structuredClone(all.slice(from, from + page.limit));
    const next = from + page.limit;
    return next < all.length ? { items, next: String(next) } : { items };
  }

  async markInvoicePaid(
    operatorId: string,
    fleetId: string,
    month: string,
    invoiceId: string,
    paidAt: string,
  ) {
    const found = this.statements.get(keyOf(operatorId, fleetId, month));
    const invoice = found?.record.invoice;
    if (!found || !invoice || invoice.stripeInvoiceId !== invoiceId || invoice.status === 'paid')
      return 'unchanged' as const;
    found.record.invoice = { ...invoice, status: 'paid', paidAt };
    return 'saved' as const;
  }
}
