/**
 * Charges are made by PaymentIntents (each confirmation attempt makes one, failed or not) and are
 * readable through `GET /v1/charges(/:id)`. Capturing one books the money: a balance transaction on the
 * owner, and for destination charges the transfer to the connected account and the application fee.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam } from '../errors.js';
import { newId } from '../ids.js';
import { FUNDS_PENDING_SECONDS, recordTransaction } from '../ledger.js';
import { expand, listParams, mergeMetadata, metadata, parseParams, str } from '../params.js';
import { expandObject, paginate } from '../render.js';
import type { Router } from '../router.js';
import type { Scope } from '../store.js';
import type { Decline, TestCard } from '../test-cards.js';
import { testCardOf } from '../test-cards.js';
import { createTransfer } from './transfers.js';

/** Card-not-present authorisations can be captured for 7 days. */
export const AUTHORIZATION_VALIDITY_SECONDS = 7 * 24 * 60 * 60;

export function buildCharge(
  ctx: RequestContext,
  pi: Stripe.PaymentIntent,
  paymentMethod: Stripe.PaymentMethod,
  card: TestCard,
  options: { manual: boolean; decline?: Decline },
): Stripe.Charge {
  const now = ctx.now();
  const failed = options.decline !== undefined;
  const pmCard = paymentMethod.card;
  const chargeCard: Stripe.Charge.PaymentMethodDetails.Card = {
    amount_authorized: failed ? null : pi.amount,
    authorization_code: failed ? null : String(100000 + (now % 900000)),
    brand: card.brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: failed ? null : 'pass' },
    country: card.country,
    electronic_commerce_indicator: null,
    exp_month: pmCard?.exp_month ?? 12,
    exp_year: pmCard?.exp_year ?? 2030,
    extended_authorization: { status: 'disabled' },
    fingerprint: pmCard?.fingerprint ?? null,
    funding: card.funding,
    incremental_authorization: { status: 'unavailable' },
    installments: null,
    last4: card.last4,
    mandate: null,
    multicapture: { status: 'unavailable' },
    network: card.brand,
    network_transaction_id: failed ? null : String(Date.now()).padStart(15, '0'),
    overcapture: { maximum_amount_capturable: pi.amount, status: 'unavailable' },
    regulated_status: 'unregulated',
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
  if (options.manual && !failed) chargeCard.capture_before = now + AUTHORIZATION_VALIDITY_SECONDS;
  const decline = options.decline;
  const charge: Stripe.Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: pi.application_fee_amount,
    balance_transaction: null,
    billing_details: paymentMethod.billing_details,
    calculated_statement_descriptor: pi.statement_descriptor ?? 'STRIPE EMULATOR',
    captured: false,
    created: now,
    currency: pi.currency,
    customer: null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: pi.on_behalf_of,
    outcome: decline
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: decline.decline_code,
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failed,
    payment_intent: pi.id,
    payment_method: paymentMethod.id,
    payment_method_details: { type: 'card', card: chargeCard },
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status: failed ? 'failed' : 'succeeded',
    transfer_data: pi.transfer_data
      ? { amount: pi.transfer_data.amount ?? null, destination: pi.transfer_data.destination as string }
      : null,
    transfer_group: pi.transfer_group,
  };
  return ctx.store.charges.insert(ctx.store.paymentIntents.ownerOf(pi.id) ?? null, charge);
}

/**
 * Book a captured `amount` of `charge`: credit the owner, then for a destination charge transfer to the
 * destination (the whole amount, or `transfer_data.amount`) and collect the application fee back; for a
 * direct charge on a connected account, move the application fee to the platform.
 */
export function bookCapture(
  ctx: RequestContext,
  pi: Stripe.PaymentIntent,
  charge: Stripe.Charge,
  amount: number,
  applicationFee: number | null,
): void {
  const owner: Scope = ctx.store.charges.ownerOf(charge.id) ?? null;
  const card = typeof charge.payment_method === 'string' ? testCardOf(ctx, charge.payment_method) : undefined;
  const availableOn = card?.bypassPending ? ctx.now() : ctx.now() + FUNDS_PENDING_SECONDS;
  const txn = recordTransaction(ctx, owner, {
    amount,
    currency: charge.currency,
    type: 'charge',
    source: charge.id,
    description: charge.description,
    availableOn,
  });
  charge.balance_transaction = txn.id;

  const destination = pi.transfer_data ? (pi.transfer_data.destination as string) : null;
  if (destination) {
    const transferAmount = Math.min(pi.transfer_data?.amount ?? amount, amount);
    if (!pi.transfer_group) pi.transfer_group = `group_${pi.id}`;
    charge.transfer_group = pi.transfer_group;
    const transfer = createTransfer(ctx, {
      amount: transferAmount,
      currency: charge.currency,
      destination,
      availableOn,
      sourceTransaction: charge.id,
      transferGroup: pi.transfer_group,
    });
    charge.transfer = transfer.id;
    if (applicationFee) {
      charge.application_fee = collectApplicationFee(
        ctx,
        destination,
        charge,
        transfer.destination_payment as string,
        applicationFee,
        availableOn,
      ).id;
    }
  } else if (owner !== null && applicationFee) {
    charge.application_fee = collectApplicationFee(
      ctx,
      owner,
      charge,
      charge.id,
      applicationFee,
      availableOn,
    ).id;
  }
}

function collectApplicationFee(
  ctx: RequestContext,
  from: string,
  originating: Stripe.Charge,
  accountCharge: string,
  amount: number,
  availableOn: number,
): Stripe.ApplicationFee {
  const feeId = newId('fee');
  recordTransaction(ctx, from, {
    amount: -amount,
    currency: originating.currency,
    type: 'application_fee',
    source: feeId,
    availableOn,
  });
  const txn = recordTransaction(ctx, null, {
    amount,
    currency: originating.currency,
    type: 'application_fee',
    source: feeId,
    availableOn,
  });
  const fee: Stripe.ApplicationFee = {
    id: feeId,
    object: 'application_fee',
    account: from,
    amount,
    amount_refunded: 0,
    application: `ca_${ctx.store.platformAccountId.slice(5)}`,
    balance_transaction: txn.id,
    charge: accountCharge,
    created: ctx.now(),
    currency: originating.currency,
    fee_source: { charge: accountCharge, type: 'charge' },
    livemode: false,
    originating_transaction: originating.id,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/application_fees/${feeId}/refunds` },
  };
  ctx.store.applicationFees.insert(null, fee);
  ctx.emit('application_fee.created', fee, { account: null });
  return fee;
}

const listSchema = z.strictObject({
  ...listParams,
  payment_intent: str().optional(),
  transfer_group: str().optional(),
  created: z.unknown().optional(),
});

export function chargeRoutes(router: Router): void {
  router.get('/v1/charges/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(ctx, ctx.store.charges.require(req.path.id ?? '', ctx.scope, 'charge'), p.expand);
  });

  router.post('/v1/charges/:id', (ctx, req) => {
    const p = parseParams(
      z.strictObject({ description: str().optional(), metadata: metadata().optional(), expand: expand() }),
      req.params,
    );
    const charge = ctx.store.charges.require(req.path.id ?? '', ctx.scope, 'charge');
    const previous = { metadata: charge.metadata, description: charge.description };
    if (p.description !== undefined) charge.description = p.description || null;
    charge.metadata = mergeMetadata(charge.metadata, p.metadata);
    ctx.emit('charge.updated', charge, { previousAttributes: previous });
    return expandObject(ctx, charge, p.expand);
  });

  router.get('/v1/charges', (ctx, req) => {
    const p = parseParams(listSchema, req.params);
    const items = ctx.store.charges.list(
      ctx.scope,
      (c) =>
        (!p.payment_intent || c.payment_intent === p.payment_intent) &&
        (!p.transfer_group || c.transfer_group === p.transfer_group),
    );
    return paginate(ctx, items, p, '/v1/charges', 'charge');
  });

  router.post('/v1/charges', () => {
    throw invalidParam(
      'source',
      'The Charges API is not emulated: create and confirm a PaymentIntent instead (see local/stripe/README.md).',
    );
  });
}
