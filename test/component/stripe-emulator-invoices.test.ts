/**
 * Customers, invoice items and invoices through the real `stripe` SDK: what a fleet's monthly
 * invoice takes (issue 12): a draft for the billing contact, one item for the month's total,
 * finalised (number, amount due, due date) and sent, each step under its idempotency key and each
 * with its event.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../local/stripe/emulator.js';
import { emulatorHelper, stripeClient, stripeFailure } from '../fixtures/stripe/emulator.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = stripeClient(emulator);
});

afterAll(async () => {
  await emulator.stop();
});

const eventTypesFor = async (objectId: string): Promise<string[]> => {
  const events = await stripe.events.list({ limit: 100 });
  return events.data
    .filter((e) => (e.data.object as { id?: string }).id === objectId)
    .map((e) => e.type)
    .reverse();
};

describe('fleet invoices', () => {
  it('creates, fills, finalises and sends an invoice to the billing contact', async () => {
    const customer = await stripe.customers.create(
      { email: 'accounts@vans.example', name: 'Vans Ltd', metadata: { fleetId: 'vans' } },
      { idempotencyKey: 'fleet-customer:op:vans' },
    );
    expect(customer).toMatchObject({ object: 'customer', email: 'accounts@vans.example', name: 'Vans Ltd' });
    const again = await stripe.customers.create(
      { email: 'accounts@vans.example', name: 'Vans Ltd', metadata: { fleetId: 'vans' } },
      { idempotencyKey: 'fleet-customer:op:vans' },
    );
    expect(again.id).toBe(customer.id);

    const draft = await stripe.invoices.create(
      {
        customer: customer.id,
        collection_method: 'send_invoice',
        days_until_due: 30,
        currency: 'gbp',
        description: 'Charging, November 2026',
        metadata: { fleetId: 'vans', month: '2026-11' },
      },
      { idempotencyKey: 'fleet-invoice:op:vans:2026-11' },
    );
    expect(draft).toMatchObject({ status: 'draft', amount_due: 0, number: null, customer: customer.id });
    expect(draft.due_date).toBe(draft.created + 30 * 86_400);

    const item = await stripe.invoiceItems.create(
      {
        customer: customer.id,
        invoice: draft.id,
        amount: 12_345,
        currency: 'gbp',
        description: '14 sessions, 231.5 kWh',
      },
      { idempotencyKey: 'fleet-invoice-item:op:vans:2026-11' },
    );
    expect(item).toMatchObject({ object: 'invoiceitem', invoice: draft.id, amount: 12_345 });

    const finalised = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalised).toMatchObject({ status: 'open', amount_due: 12_345, total: 12_345 });
    expect(finalised.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(finalised.lines.data.map((l) => [l.amount, l.description])).toEqual([
      [12_345, '14 sessions, 231.5 kWh'],
    ]);
    const sent = await stripe.invoices.sendInvoice(draft.id);
    expect(sent.status).toBe('open');

    const listed = await stripe.invoices.list({ customer: customer.id });
    expect(listed.data.map((i) => i.id)).toEqual([draft.id]);
    expect(await eventTypesFor(draft.id)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.sent']);
    expect(await eventTypesFor(item.id)).toEqual(['invoiceitem.created']);
  });

  it('refuses what Stripe refuses: items on a finalised invoice, a second finalise, sending a draft', async () => {
    const customer = await stripe.customers.create({ email: 'fleet@example.com' });
    await expect(
      stripeFailure(() =>
        stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice' }),
      ),
    ).resolves.toMatchObject({ param: 'days_until_due' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
      currency: 'gbp',
    });
    await expect(stripeFailure(() => stripe.invoices.sendInvoice(invoice.id))).resolves.toMatchObject({
      code: 'invoice_not_editable',
    });
    await stripe.invoices.finalizeInvoice(invoice.id);
    await expect(stripeFailure(() => stripe.invoices.finalizeInvoice(invoice.id))).resolves.toMatchObject({
      code: 'invoice_not_editable',
    });
    await expect(
      stripeFailure(() =>
        stripe.invoiceItems.create({
          customer: customer.id,
          invoice: invoice.id,
          amount: 1,
          currency: 'gbp',
        }),
      ),
    ).resolves.toMatchObject({ code: 'invoice_not_editable', param: 'invoice' });
  });

  it("leaves a customer's pending items off a new invoice unless asked to include them", async () => {
    const customer = await stripe.customers.create({ email: 'pending@example.com' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: 'gbp' });
    const without = await stripe.invoices.create({ customer: customer.id, currency: 'gbp' });
    expect(without.amount_due).toBe(0);
    const withPending = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    expect(withPending).toMatchObject({ amount_due: 500, currency: 'gbp' });
    const items = await stripe.invoiceItems.list({ invoice: withPending.id });
    expect(items.data.map((i) => i.amount)).toEqual([500]);
  });

  it('takes the payment of an open invoice: a card charge to transfer from, the invoice paid, invoice.paid', async () => {
    const customer = await stripe.customers.create({ email: 'accounts@lorries.example' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 30,
      currency: 'gbp',
    });
    await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 9_000,
      currency: 'gbp',
    });
    await expect(stripeFailure(() => stripe.invoices.pay(invoice.id))).resolves.toMatchObject({
      code: 'invoice_not_editable',
    });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const paid = await stripe.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 9_000, amount_remaining: 0 });
    expect(paid.status_transitions.paid_at).toEqual(expect.any(Number));
    await expect(stripeFailure(() => stripe.invoices.pay(invoice.id))).resolves.toMatchObject({
      code: 'invoice_already_paid',
    });

    const payments = await stripe.invoicePayments.list({ invoice: invoice.id });
    expect(payments.data).toHaveLength(1);
    const chargeId = payments.data[0]?.payment.charge as string;
    expect(payments.data[0]).toMatchObject({
      status: 'paid',
      amount_paid: 9_000,
      payment: { type: 'charge' },
    });
    const charge = await stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ status: 'succeeded', captured: true, amount: 9_000, currency: 'gbp' });
    const events = await eventTypesFor(invoice.id);
    expect(events.slice(-2)).toEqual(['invoice.paid', 'invoice.payment_succeeded']);

    // The operator's share goes out of that charge, and no more than it brought in.
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'GB',
      email: 'depot@example.com',
      capabilities: { transfers: { requested: true } },
    });
    await emulatorHelper(emulator, `/_emulator/accounts/${account.id}/complete_onboarding`);
    const transfer = await stripe.transfers.create({
      amount: 8_500,
      currency: 'gbp',
      destination: account.id,
      source_transaction: chargeId,
      transfer_group: `fleet-invoice:${invoice.id}`,
    });
    expect(transfer).toMatchObject({ amount: 8_500, source_transaction: chargeId });
    await expect(
      stripeFailure(() =>
        stripe.transfers.create({
          amount: 501,
          currency: 'gbp',
          destination: account.id,
          source_transaction: chargeId,
        }),
      ),
    ).resolves.toMatchObject({ code: 'amount_too_large' });
  });
});
