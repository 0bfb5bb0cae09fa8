/**
 * Transfers from the platform to connected accounts: `POST/GET /v1/transfers`, and the transfer made
 * for destination charges. A transfer needs the destination's `transfers` capability active (onboarding
 * complete). With `source_transaction` it draws on that charge's funds (pending or not); without, on the
 * platform's available balance.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { invalidParam, noSuchParamObject, stateError } from '../errors.js';
import { newId } from '../ids.js';
import { availableAmount, recordTransaction } from '../ledger.js';
import { assertSupportedCurrency, formatAmount } from '../money.js';
import { currency, expand, int, listParams, mergeMetadata, metadata, parseParams, str } from '../params.js';
import { expandObject, paginate } from '../render.js';
import type { Router } from '../router.js';
import { refundDestinationPayment } from './payouts-schedule.js';

export interface TransferSpec {
  amount: number;
  currency: string;
  destination: string;
  availableOn: number;
  sourceTransaction: string | null;
  transferGroup: string | null;
  description?: string | null;
  metadata?: Stripe.Metadata;
}

/** Refuses destinations that cannot receive transfers yet, with Stripe's error. */
export function assertCanReceiveTransfers(
  ctx: RequestContext,
  destination: string,
  param: string,
): Stripe.Account {
  const account = ctx.store.accounts.get(destination, null);
  if (!account) throw noSuchParamObject('destination', destination, param);
  if (account.capabilities?.transfers !== 'active') {
    throw stateError(
      'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      'insufficient_capabilities_for_transfer',
      param,
    );
  }
  return account;
}

/**
 * Moves money platform → connected account: a `tr_` on the platform and the matching `py_` payment on
 * the destination, with balance transactions on both sides, and emits `transfer.created`.
 */
export function createTransfer(ctx: RequestContext, spec: TransferSpec): Stripe.Transfer {
  const transferId = newId('tr');
  const paymentId = newId('py');
  const platformTxn = recordTransaction(ctx, null, {
    amount: -spec.amount,
    currency: spec.currency,
    type: 'transfer',
    source: transferId,
    description: spec.description ?? null,
    availableOn: spec.availableOn,
  });
  const destinationTxn = recordTransaction(ctx, spec.destination, {
    amount: spec.amount,
    currency: spec.currency,
    type: 'payment',
    source: paymentId,
    availableOn: spec.availableOn,
  });
  ctx.store.charges.insert(
    spec.destination,
    destinationPayment(ctx, paymentId, transferId, destinationTxn.id, spec),
  );
  const transfer: Stripe.Transfer = {
    id: transferId,
    object: 'transfer',
    amount: spec.amount,
    amount_reversed: 0,
    balance_transaction: platformTxn.id,
    created: ctx.now(),
    currency: spec.currency,
    description: spec.description ?? null,
    destination: spec.destination,
    destination_payment: paymentId,
    livemode: false,
    metadata: spec.metadata ?? {},
    reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${transferId}/reversals` },
    reversed: false,
    source_transaction: spec.sourceTransaction,
    source_type: 'card',
    transfer_group: spec.transferGroup,
  };
  ctx.store.transfers.insert(null, transfer);
  ctx.emit('transfer.created', transfer, { account: null });
  return transfer;
}

/**
 * Reverse part of a transfer (a refund with `reverse_transfer`, or `POST /v1/transfers/:id/reversals`
 * for separate charges and transfers): money goes back to the platform.
 */
export function reverseTransfer(
  ctx: RequestContext,
  transfer: Stripe.Transfer,
  amount: number,
  refundId: string | null,
  metadata: Stripe.Metadata = {},
): Stripe.TransferReversal | undefined {
  if (amount <= 0) return undefined;
  const reversalId = newId('trr');
  const now = ctx.now();
  const paymentRefund = refundDestinationPayment(ctx, transfer, amount, reversalId);
  const txn = recordTransaction(ctx, null, {
    amount,
    currency: transfer.currency,
    type: 'transfer_refund',
    source: reversalId,
    availableOn: now,
  });
  const reversal: Stripe.TransferReversal = {
    id: reversalId,
    object: 'transfer_reversal',
    amount,
    balance_transaction: txn.id,
    created: now,
    currency: transfer.currency,
    destination_payment_refund: paymentRefund.id,
    metadata,
    source_refund: refundId,
    transfer: transfer.id,
  };
  transfer.reversals.data.unshift(reversal);
  transfer.amount_reversed += amount;
  transfer.reversed = transfer.amount_reversed >= transfer.amount;
  ctx.emit('transfer.reversed', transfer, { account: null });
  return reversal;
}

function destinationPayment(
  ctx: RequestContext,
  id: string,
  transferId: string,
  balanceTransaction: string,
  spec: TransferSpec,
): Stripe.Charge {
  return {
    id,
    object: 'charge',
    amount: spec.amount,
    amount_captured: spec.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: balanceTransaction,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: null,
    captured: true,
    created: ctx.now(),
    currency: spec.currency,
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: { type: 'stripe_account' },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: transferId,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: spec.transferGroup,
  };
}

const createSchema = z.strictObject({
  amount: int(1),
  currency: currency(),
  destination: str(),
  description: str().optional(),
  metadata: metadata().optional(),
  source_transaction: str().optional(),
  source_type: z.enum(['bank_account', 'card', 'fpx']).optional(),
  transfer_group: str().optional(),
  expand: expand(),
});

const listSchema = z.strictObject({
  ...listParams,
  destination: str().optional(),
  transfer_group: str().optional(),
  created: z.unknown().optional(),
});

const reversalSchema = z.strictObject({
  amount: int(1).optional(),
  description: str().optional(),
  metadata: metadata().optional(),
  refund_application_fee: z.unknown().optional(),
  expand: expand(),
});

const updateSchema = z.strictObject({
  description: str().optional(),
  metadata: metadata().optional(),
  expand: expand(),
});

export function transferRoutes(router: Router): void {
  router.post('/v1/transfers', (ctx, req) => {
    const p = parseParams(createSchema, req.params);
    assertSupportedCurrency(p.currency);
    assertCanReceiveTransfers(ctx, p.destination, 'destination');
    let availableOn = ctx.now();
    if (p.source_transaction) {
      const charge = ctx.store.charges.get(p.source_transaction, null);
      if (!charge) throw noSuchParamObject('charge', p.source_transaction, 'source_transaction');
      if (charge.currency !== p.currency) {
        throw invalidParam(
          'currency',
          `The currency of source_transaction's balance transaction (${charge.currency}) must be the same as the transfer currency (${p.currency})`,
        );
      }
      const alreadyTransferred = [...ctx.store.transfers.values()]
        .filter((t) => t.source_transaction === charge.id)
        .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
      const remaining = charge.amount_captured - refundedAfterCapture(charge) - alreadyTransferred;
      if (!charge.captured || p.amount > remaining) {
        throw invalidParam(
          'amount',
          `Insufficient funds in the source transaction: the transfer amount (${formatAmount(p.amount, p.currency)}) exceeds the amount still available from ${charge.id} (${formatAmount(Math.max(0, remaining), p.currency)}).`,
          'amount_too_large',
        );
      }
      const txnId = charge.balance_transaction as string | null;
      const sourceTxn = txnId ? ctx.store.balanceTransactions.find(txnId) : undefined;
      availableOn = Math.max(availableOn, sourceTxn?.available_on ?? availableOn);
    } else if (availableAmount(ctx, null, p.currency) < p.amount) {
      throw stateError(
        'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance',
        'balance_insufficient',
      );
    }
    const transfer = createTransfer(ctx, {
      amount: p.amount,
      currency: p.currency,
      destination: p.destination,
      availableOn,
      sourceTransaction: p.source_transaction ?? null,
      transferGroup: p.transfer_group ?? null,
      description: p.description ?? null,
      metadata: mergeMetadata({}, p.metadata),
    });
    return expandObject(ctx, transfer, p.expand);
  });

  router.get('/v1/transfers/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(ctx, ctx.store.transfers.require(req.path.id ?? '', ctx.scope), p.expand);
  });

  router.post('/v1/transfers/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const transfer = ctx.store.transfers.require(req.path.id ?? '', ctx.scope);
    if (p.description !== undefined) transfer.description = p.description || null;
    transfer.metadata = mergeMetadata(transfer.metadata, p.metadata);
    ctx.emit('transfer.updated', transfer);
    return expandObject(ctx, transfer, p.expand);
  });

  // Separate charges and transfers: the platform takes back (part of) what it sent, e.g. on a refund.
  router.post('/v1/transfers/:id/reversals', (ctx, req) => {
    const p = parseParams(reversalSchema, req.params);
    const transfer = ctx.store.transfers.require(req.path.id ?? '', ctx.scope);
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = p.amount ?? remaining;
    if (amount > remaining) {
      throw invalidParam(
        'amount',
        `You have attempted to reverse ${formatAmount(amount, transfer.currency)}, but only ${formatAmount(remaining, transfer.currency)} of this transfer is left to reverse.`,
      );
    }
    const reversal = reverseTransfer(ctx, transfer, amount, null, mergeMetadata({}, p.metadata));
    if (!reversal) throw invalidParam('amount', 'This transfer has been fully reversed already.');
    return expandObject(ctx, reversal, p.expand);
  });

  router.get('/v1/transfers', (ctx, req) => {
    const p = parseParams(listSchema, req.params);
    const items = ctx.store.transfers.list(
      ctx.scope,
      (t) =>
        (!p.destination || t.destination === p.destination) &&
        (!p.transfer_group || t.transfer_group === p.transfer_group),
    );
    return paginate(ctx, items, p, '/v1/transfers', 'transfer');
  });
}

/** Refunds of captured money (excluding the uncaptured remainder released by a partial capture). */
export function refundedAfterCapture(charge: Stripe.Charge): number {
  return charge.amount_refunded - (charge.amount - charge.amount_captured);
}
