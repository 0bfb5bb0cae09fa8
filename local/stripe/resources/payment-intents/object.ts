/**
 * Creating a PaymentIntent and updating it: the checks Stripe makes on amounts, Connect fields and
 * which fields may still change in the intent's current status. Status transitions are in
 * `state-machine.ts`.
 */
import type Stripe from 'stripe';
import type { RequestContext } from '../../context.js';
import { invalidParam, stateError } from '../../errors.js';
import { newClientSecret, newId } from '../../ids.js';
import { assertChargeAmount } from '../../money.js';
import { mergeMetadata } from '../../params.js';
import { resolvePaymentMethod } from '../../test-cards.js';
import { assertCanReceiveTransfers } from '../transfers.js';
import {
  applyCardOptions,
  assertPaymentMethodTypes,
  type CreateParams,
  type UpdateParams,
} from './params.js';
import { CONFIRMABLE, confirm, missingPaymentMethod, owner } from './state-machine.js';

type PaymentIntent = Stripe.PaymentIntent;

export function create(ctx: RequestContext, p: CreateParams): PaymentIntent {
  assertChargeAmount(p.amount, p.currency);
  assertPaymentMethodTypes(p.payment_method_types);
  if (p.transfer_data)
    assertCanReceiveTransfers(ctx, p.transfer_data.destination, 'transfer_data[destination]');
  if (p.on_behalf_of) {
    const account = ctx.store.accounts.requireParam(p.on_behalf_of, null, 'on_behalf_of');
    if (account.capabilities?.card_payments !== 'active') {
      throw invalidParam(
        'on_behalf_of',
        `The account ${p.on_behalf_of} must have the card_payments capability active to be used with on_behalf_of.`,
      );
    }
  }
  if (p.application_fee_amount !== undefined) {
    if (!p.transfer_data && ctx.scope === null) {
      throw invalidParam(
        'application_fee_amount',
        'Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).',
      );
    }
    if (p.transfer_data?.amount !== undefined) {
      throw invalidParam(
        'application_fee_amount',
        'You cannot set both application_fee_amount and transfer_data[amount].',
      );
    }
    if (p.application_fee_amount > p.amount) {
      throw invalidParam(
        'application_fee_amount',
        'The application fee cannot exceed the amount of the PaymentIntent.',
      );
    }
  }
  if (p.transfer_data?.amount !== undefined && p.transfer_data.amount > p.amount) {
    throw invalidParam(
      'transfer_data[amount]',
      'transfer_data[amount] cannot exceed the amount of the PaymentIntent.',
    );
  }
  if (p.confirm && !p.payment_method) throw missingPaymentMethod();
  const paymentMethod = p.payment_method ? resolvePaymentMethod(ctx, p.payment_method) : undefined;

  const id = newId('pi');
  const pi: PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: ['card'],
    amount: p.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: p.application_fee_amount ?? null,
    automatic_payment_methods: p.automatic_payment_methods
      ? {
          enabled: p.automatic_payment_methods.enabled,
          ...(p.automatic_payment_methods.allow_redirects
            ? { allow_redirects: p.automatic_payment_methods.allow_redirects }
            : {}),
        }
      : null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: p.capture_method ?? 'automatic_async',
    client_secret: newClientSecret(id),
    confirmation_method: p.confirmation_method ?? 'automatic',
    created: ctx.now(),
    currency: p.currency,
    customer: null,
    customer_account: null,
    description: p.description || null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, p.metadata),
    next_action: null,
    on_behalf_of: p.on_behalf_of ?? null,
    payment_method: paymentMethod?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: p.receipt_email || null,
    review: null,
    setup_future_usage: p.setup_future_usage || null,
    shipping: null,
    source: null,
    statement_descriptor: p.statement_descriptor ?? null,
    statement_descriptor_suffix: p.statement_descriptor_suffix ?? null,
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: p.transfer_data
      ? {
          destination: p.transfer_data.destination,
          ...(p.transfer_data.amount !== undefined ? { amount: p.transfer_data.amount } : {}),
        }
      : null,
    transfer_group: p.transfer_group ?? null,
  };
  applyCardOptions(pi, p.payment_method_options);
  ctx.store.paymentIntents.insert(ctx.scope, pi);
  ctx.emit('payment_intent.created', pi);
  if (p.confirm) confirm(ctx, pi, p);
  return pi;
}

export function update(ctx: RequestContext, pi: PaymentIntent, p: UpdateParams): void {
  const beforeConfirmation = CONFIRMABLE.includes(pi.status);
  const restricted = (
    [
      'amount',
      'currency',
      'capture_method',
      'payment_method',
      'payment_method_types',
      'payment_method_options',
      'setup_future_usage',
      'statement_descriptor',
      'statement_descriptor_suffix',
    ] as const
  ).find((key) => p[key] !== undefined);
  if (restricted && !beforeConfirmation) {
    throw stateError(
      `This PaymentIntent's ${restricted} could not be updated because it has a status of ${pi.status}. You may only update the ${restricted} of a PaymentIntent with one of the following statuses: ${CONFIRMABLE.join(', ')}.`,
      'payment_intent_unexpected_state',
      restricted,
    );
  }
  const lateFields = (['application_fee_amount', 'transfer_data', 'transfer_group'] as const).find(
    (k) => p[k] !== undefined,
  );
  if (lateFields && !beforeConfirmation && pi.status !== 'requires_capture') {
    throw stateError(
      `This PaymentIntent's ${lateFields} could not be updated because it has a status of ${pi.status}.`,
      'payment_intent_unexpected_state',
      lateFields,
    );
  }
  if (pi.status === 'canceled' && p.receipt_email !== undefined) {
    throw stateError(
      'You cannot update this PaymentIntent because it has a status of canceled.',
      'payment_intent_unexpected_state',
    );
  }
  const nextCurrency = p.currency ?? pi.currency;
  const nextAmount = p.amount ?? pi.amount;
  if (p.amount !== undefined || p.currency !== undefined) assertChargeAmount(nextAmount, nextCurrency);
  assertPaymentMethodTypes(p.payment_method_types);
  if (p.application_fee_amount !== undefined && p.application_fee_amount !== '') {
    if (!pi.transfer_data && owner(ctx, pi) === null) {
      throw invalidParam(
        'application_fee_amount',
        'Can only apply an application_fee_amount to a direct or destination payment.',
      );
    }
    if (p.application_fee_amount > nextAmount) {
      throw invalidParam(
        'application_fee_amount',
        'The application fee cannot exceed the amount of the PaymentIntent.',
      );
    }
  }
  if (p.transfer_data?.amount !== undefined && !pi.transfer_data) {
    throw invalidParam('transfer_data[amount]', 'This PaymentIntent has no transfer_data[destination].');
  }

  pi.amount = nextAmount;
  pi.currency = nextCurrency;
  if (p.capture_method) pi.capture_method = p.capture_method;
  if (p.payment_method) {
    pi.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
    pi.status = 'requires_confirmation';
    pi.next_action = null;
  }
  applyCardOptions(pi, p.payment_method_options);
  if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage || null;
  if (p.description !== undefined) pi.description = p.description || null;
  if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email || null;
  if (p.statement_descriptor !== undefined) pi.statement_descriptor = p.statement_descriptor || null;
  if (p.statement_descriptor_suffix !== undefined)
    pi.statement_descriptor_suffix = p.statement_descriptor_suffix || null;
  if (p.application_fee_amount !== undefined)
    pi.application_fee_amount = p.application_fee_amount === '' ? null : p.application_fee_amount;
  if (p.transfer_data?.amount !== undefined && pi.transfer_data)
    pi.transfer_data.amount = p.transfer_data.amount;
  if (p.transfer_group !== undefined) pi.transfer_group = p.transfer_group || null;
  pi.metadata = mergeMetadata(pi.metadata, p.metadata);
}
