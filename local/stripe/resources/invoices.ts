/**
 * Customers, invoice items and invoices: what the fleet invoices need (issue 12, "Fleets"), and no
 * more. An invoice is created as a draft (`collection_method: send_invoice` with `days_until_due`, or
 * `charge_automatically`), takes invoice items (`invoice=` on the item; pending items of the customer
 * only when created with `pending_invoice_items_behavior=include`, which is not the default since API
 * version 2022-08-01), is finalised (it gets its number and its amounts freeze; `open`) and, for
 * `send_invoice`, sent (`invoice.sent`). Paying: `POST /v1/invoices/:id/pay` stands for the fleet
 * paying on the hosted page (which this emulator does not serve: `hosted_invoice_url` and
 * `invoice_pdf` stay null): a succeeded card charge of the amount due on the platform, booked like a
 * captured one, an invoice payment of type `charge` (`GET /v1/invoice_payments?invoice=`), the invoice
 * `paid`, and `charge.succeeded`, `invoice.paid`, `invoice.payment_succeeded`.
 *
 * Objects carry the fields the platform and Stripe's own tooling read; the SDK's types hold many more,
 * hence the casts at the end of each builder.
 */
import type Stripe from 'stripe';
import * as z from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, stateError } from '../errors.js';
import { newId, randomToken } from '../ids.js';
import { FUNDS_PENDING_SECONDS, recordTransaction } from '../ledger.js';
import { bool, currency, expand, int, mergeMetadata, metadata, oneOf, str } from '../params.js';
import { EXPAND_ONLY, listRoute, objectRoute } from '../render.js';
import type { Router } from '../router.js';

const DAY_SECONDS = 86_400;

const customerSchema = z.strictObject({
  email: str().optional(),
  name: str().optional(),
  description: str().optional(),
  metadata: metadata().optional(),
  expand: expand(),
});

function createCustomer(ctx: RequestContext, p: z.output<typeof customerSchema>): Stripe.Customer {
  const customer = {
    id: newId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created: ctx.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: p.description ?? null,
    email: p.email ?? null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    name: p.name ?? null,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  } as unknown as Stripe.Customer;
  ctx.store.customers.insert(ctx.scope, customer);
  ctx.emit('customer.created', customer);
  return customer;
}

function updateCustomer(
  ctx: RequestContext,
  id: string,
  p: z.output<typeof customerSchema>,
): Stripe.Customer {
  const customer = ctx.store.customers.require(id, ctx.scope);
  const previous: Record<string, unknown> = {};
  for (const field of ['email', 'name', 'description'] as const) {
    const value = p[field];
    if (value === undefined || value === customer[field]) continue;
    previous[field] = customer[field];
    customer[field] = value;
  }
  if (p.metadata !== undefined) {
    previous.metadata = customer.metadata;
    customer.metadata = mergeMetadata(customer.metadata, p.metadata);
  }
  ctx.emit('customer.updated', customer, { previousAttributes: previous });
  return customer;
}

const invoiceItemSchema = z.strictObject({
  customer: str(),
  amount: int(),
  currency: currency(),
  description: str().optional(),
  invoice: str().optional(),
  metadata: metadata().optional(),
  expand: expand(),
});

/** The draft invoice `id` of `customer`, or the error Stripe gives for any other. */
function draftInvoice(ctx: RequestContext, id: string, param: string): Stripe.Invoice {
  const invoice = ctx.store.invoices.requireParam(id, ctx.scope, param);
  if (invoice.status !== 'draft') {
    throw stateError(
      `You can only modify draft invoices, but ${id} is ${invoice.status}.`,
      'invoice_not_editable',
      param,
    );
  }
  return invoice;
}

function createInvoiceItem(ctx: RequestContext, p: z.output<typeof invoiceItemSchema>): Stripe.InvoiceItem {
  const customer = ctx.store.customers.requireParam(p.customer, ctx.scope, 'customer');
  const invoice = p.invoice ? draftInvoice(ctx, p.invoice, 'invoice') : undefined;
  if (invoice && invoice.customer !== customer.id) {
    throw invalidParam('invoice', `Invoice ${invoice.id} belongs to another customer than ${customer.id}.`);
  }
  if (invoice && invoice.currency !== p.currency) {
    throw invalidParam(
      'currency',
      `The currency ${p.currency} does not match the invoice's ${invoice.currency}.`,
    );
  }
  const item = {
    id: newId('ii'),
    object: 'invoiceitem',
    amount: p.amount,
    currency: p.currency,
    customer: customer.id,
    date: ctx.now(),
    description: p.description ?? null,
    discountable: true,
    discounts: [],
    invoice: invoice?.id ?? null,
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    period: { start: ctx.now(), end: ctx.now() },
    proration: false,
    quantity: 1,
    tax_rates: [],
    test_clock: null,
  } as unknown as Stripe.InvoiceItem;
  ctx.store.invoiceItems.insert(ctx.scope, item);
  if (invoice) attachItems(invoice, [item]);
  ctx.emit('invoiceitem.created', item);
  return item;
}

const invoiceSchema = z.strictObject({
  customer: str(),
  collection_method: oneOf(['charge_automatically', 'send_invoice']).optional(),
  days_until_due: int(0).optional(),
  description: str().optional(),
  currency: currency().optional(),
  auto_advance: bool().optional(),
  pending_invoice_items_behavior: oneOf(['exclude', 'include']).optional(),
  metadata: metadata().optional(),
  expand: expand(),
});

/** An invoice line as the API renders an invoice item on it. */
function lineOf(item: Stripe.InvoiceItem): Stripe.InvoiceLineItem {
  return {
    id: newId('il'),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    invoice: item.invoice as string,
    livemode: false,
    metadata: item.metadata,
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: { invoice_item: item.id },
      subscription_item_details: null,
    },
    period: item.period,
    quantity: 1,
  } as unknown as Stripe.InvoiceLineItem;
}

function attachItems(invoice: Stripe.Invoice, items: Stripe.InvoiceItem[]): void {
  for (const item of items) {
    (item as { invoice: string | null }).invoice = invoice.id;
    invoice.lines.data.push(lineOf(item));
  }
  const total = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.subtotal = total;
  invoice.subtotal_excluding_tax = total;
  invoice.total = total;
  invoice.total_excluding_tax = total;
  invoice.amount_due = total;
  invoice.amount_remaining = total;
  (invoice.lines as { total_count?: number }).total_count = invoice.lines.data.length;
}

function createInvoice(ctx: RequestContext, p: z.output<typeof invoiceSchema>): Stripe.Invoice {
  const customer = ctx.store.customers.requireParam(p.customer, ctx.scope, 'customer');
  const collection = p.collection_method ?? 'charge_automatically';
  if (collection === 'send_invoice' && p.days_until_due === undefined) {
    throw invalidParam('days_until_due', 'Missing required param: days_until_due.', 'parameter_missing');
  }
  if (collection === 'charge_automatically' && p.days_until_due !== undefined) {
    throw invalidParam(
      'days_until_due',
      'days_until_due is only allowed with collection_method=send_invoice.',
    );
  }
  const pending =
    p.pending_invoice_items_behavior === 'include'
      ? ctx.store.invoiceItems
          .list(ctx.scope, (i) => i.customer === customer.id && i.invoice === null)
          .reverse()
      : [];
  const id = newId('in');
  const invoice = {
    id,
    object: 'invoice',
    account_country: 'GB',
    account_name: null,
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: p.auto_advance ?? collection === 'charge_automatically',
    billing_reason: 'manual',
    collection_method: collection,
    created: ctx.now(),
    currency: p.currency ?? pending[0]?.currency ?? customer.currency ?? 'gbp',
    customer: customer.id,
    customer_email: customer.email,
    customer_name: customer.name,
    description: p.description ?? null,
    // The API version's Invoice has no days_until_due: the due date is fixed from it at creation.
    due_date: p.days_until_due === undefined ? null : ctx.now() + p.days_until_due * DAY_SECONDS,
    effective_at: null,
    finalized_at: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines`, total_count: 0 },
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    number: null,
    paid: false,
    period_end: ctx.now(),
    period_start: ctx.now(),
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    total: 0,
    total_excluding_tax: 0,
    webhooks_delivered_at: null,
  } as unknown as Stripe.Invoice;
  ctx.store.invoices.insert(ctx.scope, invoice);
  if (pending.length > 0) attachItems(invoice, pending);
  ctx.emit('invoice.created', invoice);
  return invoice;
}

/** Numbers count per customer under its prefix, as Stripe's default numbering does. */
function nextNumber(ctx: RequestContext, customer: Stripe.Customer): string {
  const issued = ctx.store.invoices.list(
    ctx.scope,
    (i) => i.customer === customer.id && i.number !== null,
  ).length;
  return `${customer.invoice_prefix}-${String(issued + 1).padStart(4, '0')}`;
}

function finalizeInvoice(ctx: RequestContext, id: string): Stripe.Invoice {
  const invoice = ctx.store.invoices.require(id, ctx.scope);
  if (invoice.status !== 'draft') {
    throw stateError(
      `This invoice is already finalized, you can't re-finalize a non-draft invoice.`,
      'invoice_not_editable',
    );
  }
  const customer = ctx.store.customers.find(invoice.customer as string) as Stripe.Customer;
  const now = ctx.now();
  invoice.number = nextNumber(ctx, customer);
  invoice.status = 'open';
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  (invoice as { finalized_at?: number }).finalized_at = now;
  ctx.emit('invoice.finalized', invoice, { previousAttributes: { status: 'draft' } });
  return invoice;
}

function sendInvoice(ctx: RequestContext, id: string): Stripe.Invoice {
  const invoice = ctx.store.invoices.require(id, ctx.scope);
  if (invoice.collection_method !== 'send_invoice') {
    throw stateError(
      'You can only manually send an invoice if its collection method is `send_invoice`.',
      'invoice_not_editable',
    );
  }
  if (invoice.status !== 'open') {
    throw stateError(
      `You can only send an invoice that is open, but ${id} is ${invoice.status}.`,
      'invoice_not_editable',
    );
  }
  ctx.emit('invoice.sent', invoice);
  return invoice;
}

/** The invoice payments this emulator made, kept on the invoice (Stripe lists them on their own). */
type PaidInvoice = Stripe.Invoice & { _payments?: Stripe.InvoicePayment[] };

/** The fleet pays an open invoice in full by card (see the top of this file). */
function payInvoice(ctx: RequestContext, id: string): Stripe.Invoice {
  const invoice = ctx.store.invoices.require(id, ctx.scope) as PaidInvoice;
  if (invoice.status === 'paid') throw stateError('Invoice is already paid.', 'invoice_already_paid');
  if (invoice.status !== 'open') {
    throw stateError(
      `You can only pay an open invoice, but ${id} is ${invoice.status}.`,
      'invoice_not_editable',
    );
  }
  const now = ctx.now();
  const amount = invoice.amount_due;
  const charge = {
    id: newId('ch'),
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    balance_transaction: null as string | null,
    captured: true,
    created: now,
    currency: invoice.currency,
    customer: invoice.customer,
    description: `Payment for Invoice ${invoice.number}`,
    livemode: false,
    metadata: {},
    paid: true,
    payment_intent: null,
    payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', country: 'GB' } },
    refunded: false,
    status: 'succeeded',
    transfer_group: null,
  } as unknown as Stripe.Charge;
  ctx.store.charges.insert(ctx.scope, charge);
  charge.balance_transaction = recordTransaction(ctx, ctx.scope, {
    amount,
    currency: invoice.currency,
    type: 'charge',
    source: charge.id,
    description: charge.description,
    availableOn: now + FUNDS_PENDING_SECONDS,
  }).id;
  const payment = {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: amount,
    amount_requested: amount,
    created: now,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'charge', charge: charge.id },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: now },
  } as unknown as Stripe.InvoicePayment;
  invoice._payments = [...(invoice._payments ?? []), payment];
  invoice.status = 'paid';
  invoice.amount_paid = amount;
  invoice.amount_remaining = 0;
  (invoice as { paid?: boolean }).paid = true;
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.status_transitions.paid_at = now;
  ctx.emit('charge.succeeded', charge);
  ctx.emit('invoice.paid', invoiceOut(invoice), { previousAttributes: { status: 'open' } });
  ctx.emit('invoice.payment_succeeded', invoiceOut(invoice));
  return invoice;
}

/** The invoice as Stripe shows it: without the payments this emulator keeps on it. */
function invoiceOut(invoice: Stripe.Invoice): Stripe.Invoice {
  const { _payments: _kept, ...shown } = invoice as PaidInvoice;
  return shown as Stripe.Invoice;
}

export function invoiceRoutes(router: Router): void {
  router.post(
    '/v1/customers',
    objectRoute(customerSchema, (ctx, p) => createCustomer(ctx, p)),
  );
  router.post(
    '/v1/customers/:id',
    objectRoute(customerSchema, (ctx, p, id) => updateCustomer(ctx, id, p)),
  );
  router.get(
    '/v1/customers/:id',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) => ctx.store.customers.require(id, ctx.scope, 'customer')),
  );
  router.get(
    '/v1/customers',
    listRoute({ email: str().optional() }, '/v1/customers', 'customer', (ctx, p) =>
      ctx.store.customers.list(ctx.scope, (c) => !p.email || c.email === p.email),
    ),
  );

  router.post(
    '/v1/invoiceitems',
    objectRoute(invoiceItemSchema, (ctx, p) => createInvoiceItem(ctx, p)),
  );
  router.get(
    '/v1/invoiceitems/:id',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) => ctx.store.invoiceItems.require(id, ctx.scope, 'invoiceitem')),
  );
  router.get(
    '/v1/invoiceitems',
    listRoute(
      { customer: str().optional(), invoice: str().optional() },
      '/v1/invoiceitems',
      'invoiceitem',
      (ctx, p) =>
        ctx.store.invoiceItems.list(
          ctx.scope,
          (i) => (!p.customer || i.customer === p.customer) && (!p.invoice || i.invoice === p.invoice),
        ),
    ),
  );

  router.post(
    '/v1/invoices',
    objectRoute(invoiceSchema, (ctx, p) => createInvoice(ctx, p)),
  );
  router.post(
    '/v1/invoices/:id/finalize',
    objectRoute(z.strictObject({ auto_advance: bool().optional(), expand: expand() }), (ctx, _p, id) =>
      finalizeInvoice(ctx, id),
    ),
  );
  router.post(
    '/v1/invoices/:id/send',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) => sendInvoice(ctx, id)),
  );
  router.post(
    '/v1/invoices/:id/pay',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) => invoiceOut(payInvoice(ctx, id))),
  );
  router.get(
    '/v1/invoices/:id',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) =>
      invoiceOut(ctx.store.invoices.require(id, ctx.scope, 'invoice')),
    ),
  );
  router.get(
    '/v1/invoice_payments',
    listRoute({ invoice: str() }, '/v1/invoice_payments', 'invoice_payment', (ctx, p) => {
      const invoice = ctx.store.invoices.require(p.invoice, ctx.scope, 'invoice') as PaidInvoice;
      return [...(invoice._payments ?? [])].reverse();
    }),
  );
  router.get(
    '/v1/invoices',
    listRoute(
      {
        customer: str().optional(),
        status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
      },
      '/v1/invoices',
      'invoice',
      (ctx, p) =>
        ctx.store.invoices
          .list(
            ctx.scope,
            (i) => (!p.customer || i.customer === p.customer) && (!p.status || i.status === p.status),
          )
          .map(invoiceOut),
    ),
  );
}
