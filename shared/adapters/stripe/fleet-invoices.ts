/**
 * The FleetInvoicing port (app/fleets/deps.ts) over the real `stripe` SDK: a customer for the
 * fleet's billing contact, and a `send_invoice` invoice with one item for the month's total,
 * finalised and sent. On the platform's account: the fleet owes the operator, and the money path
 * from a paid invoice to the operator's connected account is not built yet (see the issue note).
 */
import type Stripe from 'stripe';
import type { FleetInvoicing } from '../../app/fleets/deps.js';

export class StripeFleetInvoicing implements FleetInvoicing {
  constructor(private readonly stripe: () => Promise<Stripe>) {}

  async createCustomer(
    input: { email: string; name: string; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<string> {
    const customer = await (await this.stripe()).customers.create(input, { idempotencyKey });
    return customer.id;
  }

  async createInvoice(
    input: {
      customerId: string;
      currency: string;
      description: string;
      daysUntilDue: number;
      metadata: Record<string, string>;
    },
    idempotencyKey: string,
  ): Promise<string> {
    const invoice = await (await this.stripe()).invoices.create(
      {
        customer: input.customerId,
        collection_method: 'send_invoice',
        days_until_due: input.daysUntilDue,
        currency: input.currency,
        description: input.description,
        metadata: input.metadata,
        // Only the item made for this invoice: nothing else pending on the customer joins it.
        pending_invoice_items_behavior: 'exclude',
        auto_advance: false,
      },
      { idempotencyKey },
    );
    return invoice.id;
  }

  async invoice(
    invoiceId: string,
  ): Promise<{ status: string; amountDueMinor: number; number: string | null }> {
    const invoice = await (await this.stripe()).invoices.retrieve(invoiceId);
    return { status: invoice.status ?? 'draft', amountDueMinor: invoice.amount_due, number: invoice.number };
  }

  async addItem(
    input: {
      customerId: string;
      invoiceId: string;
      amountMinor: number;
      currency: string;
      description: string;
    },
    idempotencyKey: string,
  ): Promise<void> {
    await (await this.stripe()).invoiceItems.create(
      {
        customer: input.customerId,
        invoice: input.invoiceId,
        amount: input.amountMinor,
        currency: input.currency,
        description: input.description,
      },
      { idempotencyKey },
    );
  }

  async finalize(
    invoiceId: string,
    idempotencyKey: string,
  ): Promise<{ number: string | null; amountDueMinor: number }> {
    const invoice = await (await this.stripe()).invoices.finalizeInvoice(
      invoiceId,
      { auto_advance: false },
      { idempotencyKey },
    );
    return { number: invoice.number, amountDueMinor: invoice.amount_due };
  }

  async send(invoiceId: string, idempotencyKey: string): Promise<void> {
    await (await this.stripe()).invoices.sendInvoice(invoiceId, {}, { idempotencyKey });
  }
}
