/**
 * Refunds of captured payments (`POST /v1/refunds` with `payment_intent` or `charge`). They debit the
 * charge owner's balance at once; `reverse_transfer` pulls the proportional share back from the
 * destination of a destination charge, `refund_application_fee` returns the proportional fee.
 */
import type Stripe from 'stripe';
import * as z from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, stateError } from '../errors.js';
import { newId } from '../ids.js';
import { recordTransaction } from '../ledger.js';
import { formatAmount } from '../money.js';
import { bool, expand, int, mergeMetadata, metadata, oneOf, str } from '../params.js';
import { EXPAND_ONLY, listRoute, objectRoute } from '../render.js';
import type { Router } from '../router.js';
import { refundedAfterCapture, reverseTransfer } from './transfers.js';

const createSchema = z.strictObject({
  payment_intent: str().optional(),
  charge: str().optional(),
  amount: int(1).optional(),
  reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  metadata: metadata().optional(),
  reverse_transfer: bool().optional(),
  refund_application_fee: bool().optional(),
  expand: expand(),
});

function chargeToRefund(ctx: RequestContext, p: z.output<typeof createSchema>): Stripe.Charge {
  if (p.charge) return ctx.store.charges.requireParam(p.charge, ctx.scope, 'charge');
  if (!p.payment_intent)
    throw invalidParam(
      'payment_intent',
      'One of `charge` or `payment_intent` is required.',
      'parameter_missing',
    );
  const pi = ctx.store.paymentIntents.requireParam(p.payment_intent, ctx.scope, 'payment_intent');
  const charge = typeof pi.latest_charge === 'string' ? ctx.store.charges.find(pi.latest_charge) : undefined;
  if (charge?.status !== 'succeeded') {
    throw stateError(
      `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
      'charge_not_refundable',
      'payment_intent',
    );
  }
  return charge;
}

/** Integer share of `part / whole` of `amount`, rounded down (the refund never over-reverses). */
const proportion = (amount: number, part: number, whole: number): number =>
  Math.floor((amount * part) / whole);

function refundApplicationFee(ctx: RequestContext, charge: Stripe.Charge, refundAmount: number): void {
  if (typeof charge.application_fee !== 'string') return;
  const fee = ctx.store.applicationFees.find(charge.application_fee);
  if (!fee) return;
  const amount = Math.min(
    proportion(fee.amount, refundAmount, charge.amount_captured),
    fee.amount - fee.amount_refunded,
  );
  if (amount <= 0) return;
  const feeRefundId = newId('fr');
  const txn = recordTransaction(ctx, null, {
    amount: -amount,
    currency: fee.currency,
    type: 'application_fee_refund',
    source: feeRefundId,
    availableOn: ctx.now(),
  });
  recordTransaction(ctx, fee.account as string, {
    amount,
    currency: fee.currency,
    type: 'application_fee_refund',
    source: feeRefundId,
    availableOn: ctx.now(),
  });
  fee.amount_refunded += amount;
  fee.refunded = fee.amount_refunded >= fee.amount;
  fee.refunds.data.unshift({
    id: feeRefundId,
    object: 'fee_refund',
    amount,
    balance_transaction: txn.id,
    created: ctx.now(),
    currency: fee.currency,
    fee: fee.id,
    metadata: {},
  });
  ctx.emit('application_fee.refunded', fee, { account: null });
}

function create(ctx: RequestContext, p: z.output<typeof createSchema>): Stripe.Refund {
  const charge = chargeToRefund(ctx, p);
  if (!charge.captured) {
    throw stateError(
      `Charge ${charge.id} has not been captured. Cancel the PaymentIntent to release an uncaptured payment.`,
      'charge_not_refundable',
    );
  }
  const refundable = charge.amount_captured - refundedAfterCapture(charge);
  if (refundable <= 0) {
    throw stateError(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  }
  const amount = p.amount ?? refundable;
  if (amount > refundable) {
    throw invalidParam(
      'amount',
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(refundable, charge.currency)})`,
      'amount_too_large',
    );
  }
  const owner = ctx.store.charges.ownerOf(charge.id) ?? null;
  const id = newId('re');
  const txn = recordTransaction(ctx, owner, {
    amount: -amount,
    currency: charge.currency,
    type: 'refund',
    source: id,
    availableOn: ctx.now(),
  });
  const refund: Stripe.Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: txn.id,
    charge: charge.id,
    created: ctx.now(),
    currency: charge.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: mergeMetadata({}, p.metadata),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: p.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.store.refunds.insert(owner, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  if (p.reverse_transfer && typeof charge.transfer === 'string') {
    const transfer = ctx.store.transfers.find(charge.transfer);
    if (transfer) {
      const share = Math.min(
        proportion(transfer.amount, amount, charge.amount_captured),
        transfer.amount - transfer.amount_reversed,
      );
      reverseTransfer(ctx, transfer, share, id);
      refund.transfer_reversal = transfer.reversals.data[0]?.id ?? null;
    }
  }
  if (p.refund_application_fee) refundApplicationFee(ctx, charge, amount);
  ctx.emit('refund.created', refund);
  ctx.emit('charge.refunded', charge);
  return refund;
}

export function refundRoutes(router: Router): void {
  router.post(
    '/v1/refunds',
    objectRoute(createSchema, (ctx, p) => create(ctx, p)),
  );
  router.get(
    '/v1/refunds/:id',
    objectRoute(EXPAND_ONLY, (ctx, _p, id) => ctx.store.refunds.require(id, ctx.scope, 'refund')),
  );
  router.get(
    '/v1/refunds',
    listRoute(
      { payment_intent: str().optional(), charge: str().optional(), created: z.unknown().optional() },
      '/v1/refunds',
      'refund',
      (ctx, p) =>
        ctx.store.refunds.list(
          ctx.scope,
          (r) =>
            (!p.payment_intent || r.payment_intent === p.payment_intent) &&
            (!p.charge || r.charge === p.charge),
        ),
    ),
  );
}
