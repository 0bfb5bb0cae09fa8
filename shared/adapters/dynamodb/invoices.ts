/**
 * Payouts and their invoices in the operator's partition (keys.ts: `PAYOUT#<payoutId>`, listed in
 * time order on gsi1), and the operator's invoice counter (`INVOICESEQ`).
 *
 * Gapless numbering, crash-safe: the invoice and the counter's step are one TransactWriteItems, the
 * counter conditioned on the value it was read at and the payout on having no invoice yet. A crash
 * before the transaction leaves neither; after it, both. A redelivered `payout.paid` fails the
 * payout's condition and gets the stored invoice back (`exists`), so no number is taken twice; two
 * payouts numbered at once fail the counter's condition for one of them, which re-reads and retries.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { formatInvoiceNumber } from '../../domain/invoice.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { Invoice, PayoutFacts, PayoutRecord, PayoutStore } from '../../ports/payouts.js';
import { gsi1, keys, queries } from './keys.js';
import {
  Expression,
  failedConditions,
  isConditionalCheckFailed,
  queryPage,
  stripKeys,
  type TableContext,
} from './support.js';

const ENTITY = 'payout';
/** Numbering races only between payouts of one operator paid at the same moment: a few tries settle it. */
const MAX_NUMBERING_ATTEMPTS = 20;

/** The payout's facts as stored (set on every write: Stripe's latest word). */
function factsOf(operatorId: string, payout: PayoutFacts, at: string) {
  return {
    entity: ENTITY,
    operatorId,
    payoutId: payout.payoutId,
    stripeAccountId: payout.stripeAccountId,
    currency: payout.currency,
    amountMinor: payout.amountMinor,
    status: payout.status,
    createdAt: payout.createdAt,
    arrivalDate: payout.arrivalDate,
    updatedAt: at,
    ...gsi1.payoutOfOperator(operatorId, payout.createdAt, payout.payoutId),
  };
}

export class DynamoPayoutStore implements PayoutStore {
  constructor(private readonly t: TableContext) {}

  async get(operatorId: string, payoutId: string): Promise<PayoutRecord | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.payout(operatorId, payoutId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripKeys<PayoutRecord>(out.Item) : undefined;
  }

  async list(operatorId: string, page: PageRequest): Promise<Page<PayoutRecord>> {
    const result = await queryPage(this.t, queries.payoutsOfOperator(operatorId), 'gsi1', page, {
      ScanIndexForward: false,
    });
    return {
      items: result.items.map((item) => stripKeys<PayoutRecord>(item)),
      ...(result.next ? { next: result.next } : {}),
    };
  }

  async issueInvoice(
    operatorId: string,
    payout: PayoutFacts,
    invoice: Omit<Invoice, 'sequence' | 'number'>,
    at: string,
  ): Promise<{ outcome: 'issued' | 'exists'; record: PayoutRecord }> {
    for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
      const stored = await this.get(operatorId, payout.payoutId);
      if (stored?.invoice) return { outcome: 'exists', record: stored };
      const current = await this.counter(operatorId);
      const sequence = current + 1;
      const numbered: Invoice = { ...invoice, sequence, number: formatInvoiceNumber(sequence) };

      const step = new Expression().set('sequence', sequence);
      step.when(
        current === 0
          ? `attribute_not_exists(${step.name('sequence')})`
          : `${step.name('sequence')} = ${step.value(current)}`,
      );
      const write = new Expression().setAll(factsOf(operatorId, payout, at)).set('invoice', numbered);
      write.when(`attribute_not_exists(${write.name('invoice')})`);
      try {
        await this.t.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.t.tableName,
                  Key: keys.invoiceCounter(operatorId),
                  ...step.params(),
                },
              },
              {
                Update: {
                  TableName: this.t.tableName,
                  Key: keys.payout(operatorId, payout.payoutId),
                  ...write.params(),
                },
              },
            ],
          }),
        );
        const record = await this.get(operatorId, payout.payoutId);
        if (!record) throw new Error(`payout ${payout.payoutId} vanished after its invoice was written`);
        return { outcome: 'issued', record };
      } catch (err) {
        const failed = failedConditions(err);
        const conflict = (err as { name?: string }).name === 'TransactionConflictException';
        if (!failed && !conflict) throw err;
        // The payout's condition failed (an invoice landed meanwhile) or the counter moved: the next
        // round re-reads both and returns the stored invoice or takes the next number.
      }
    }
    throw new Error(`could not number the invoice of payout ${payout.payoutId}: the counter kept moving`);
  }

  async claimInvoiceEmail(operatorId: string, payoutId: string, at: string, staleBefore: string) {
    const e = new Expression().set('invoice.emailClaimedAt', at);
    const claimed = e.name('invoice.emailClaimedAt');
    e.when(`attribute_exists(${e.name('invoice')})`)
      .when(`attribute_not_exists(${e.name('invoice.emailedAt')})`)
      .when(`(attribute_not_exists(${claimed}) OR ${claimed} < ${e.value(staleBefore)})`);
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.payout(operatorId, payoutId),
          ...e.params(),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async releaseInvoiceEmailClaim(operatorId: string, payoutId: string) {
    const e = new Expression().remove('invoice.emailClaimedAt');
    e.when(`attribute_exists(${e.name('invoice')})`);
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.payout(operatorId, payoutId),
          ...e.params(),
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async markInvoiceEmailed(operatorId: string, payoutId: string, messageId: string, at: string) {
    const e = new Expression().set('invoice.emailedAt', at).set('invoice.emailMessageId', messageId);
    e.when(`attribute_exists(${e.name('invoice')})`);
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.payout(operatorId, payoutId),
        ...e.params(),
      }),
    );
  }

  async recordFailure(operatorId: string, payout: PayoutFacts, at: string) {
    const e = new Expression()
      .setAll({ ...factsOf(operatorId, payout, at), status: 'failed' })
      .set('failure', {
        code: payout.failureCode ?? 'unknown',
        message: payout.failureMessage ?? 'The bank returned the payout.',
        at,
      });
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.payout(operatorId, payout.payoutId),
        ...e.params(),
      }),
    );
  }

  private async counter(operatorId: string): Promise<number> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.invoiceCounter(operatorId),
        ConsistentRead: true,
      }),
    );
    const value = out.Item?.sequence;
    return typeof value === 'number' ? value : 0;
  }
}
