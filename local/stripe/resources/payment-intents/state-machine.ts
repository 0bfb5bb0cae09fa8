/**
 * The PaymentIntent state machine, as on Stripe:
 * requires_payment_method → requires_confirmation → (requires_action) → requires_capture (manual) |
 * succeeded (automatic), and canceled. A declined confirmation returns the intent to
 * requires_payment_method with `last_payment_error` and answers 402 with the intent in the error.
 * Uncaptured authorisations expire 7 days after authorisation (`capture_before`), as on Stripe.
 * Creating and updating the object before confirmation live in `object.ts`.
 */
import type Stripe from 'stripe';
import type { RequestContext } from '../../context.js';
import { cardError, invalidParam, noSuchParamObject, type StripeApiError, stateError } from '../../errors.js';
import { newId, randomToken } from '../../ids.js';
import { mergeMetadata } from '../../params.js';
import type { Scope } from '../../store.js';
import { type Decline, resolvePaymentMethod, testCardOf } from '../../test-cards.js';
import { bookCapture, buildCharge } from '../charges.js';
import { assertCanReceiveTransfers } from '../transfers.js';
import {
  applyCardOptions,
  assertPaymentMethodTypes,
  type CaptureParams,
  type ConfirmParams,
} from './params.js';

type PaymentIntent = Stripe.PaymentIntent;

export const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
];

function isManual(pi: PaymentIntent): boolean {
  return pi.capture_method === 'manual' || pi.payment_method_options?.card?.capture_method === 'manual';
}

const PAST_TENSE: Record<string, string> = { confirm: 'confirmed', capture: 'captured', cancel: 'canceled' };

function unexpectedState(
  pi: PaymentIntent,
  action: 'confirm' | 'capture' | 'cancel',
  allowed: string[],
): StripeApiError {
  const lead =
    action === 'capture'
      ? 'This PaymentIntent could not be captured'
      : `You cannot ${action} this PaymentIntent`;
  return stateError(
    `${lead} because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be ${PAST_TENSE[action]}: ${allowed.join(', ')}.`,
    'payment_intent_unexpected_state',
  );
}

function internals(ctx: RequestContext, pi: PaymentIntent) {
  let entry = ctx.store.paymentIntentInternals.get(pi.id);
  if (!entry) {
    entry = {};
    ctx.store.paymentIntentInternals.set(pi.id, entry);
  }
  return entry;
}

export function owner(ctx: RequestContext, pi: PaymentIntent): Scope {
  return ctx.store.paymentIntents.ownerOf(pi.id) ?? null;
}

export function missingPaymentMethod(): StripeApiError {
  return invalidParam(
    'payment_method',
    "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method with the payment_method parameter.",
    'payment_intent_unexpected_state',
  );
}

/** One confirmation attempt; throws the 402 card error after recording a decline. */
export function confirm(ctx: RequestContext, pi: PaymentIntent, p: ConfirmParams): void {
  if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(pi, 'confirm', CONFIRMABLE);
  assertPaymentMethodTypes(p.payment_method_types);
  if (p.payment_method) pi.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
  if (!pi.payment_method) throw missingPaymentMethod();
  if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email || null;
  if (p.capture_method) pi.capture_method = p.capture_method;
  if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage || null;
  applyCardOptions(pi, p.payment_method_options);
  if (pi.transfer_data) {
    assertCanReceiveTransfers(ctx, pi.transfer_data.destination as string, 'transfer_data[destination]');
  }

  const paymentMethodId = pi.payment_method as string;
  const paymentMethod = ctx.store.paymentMethods.find(paymentMethodId);
  if (!paymentMethod) throw noSuchParamObject('PaymentMethod', paymentMethodId, 'payment_method');
  const card = testCardOf(ctx, paymentMethodId);
  const state = internals(ctx, pi);
  pi.last_payment_error = null;
  pi.next_action = null;

  const behaviour = card.behaviour;
  if (behaviour.kind === 'decline') decline(ctx, pi, paymentMethod, behaviour.decline);
  if (behaviour.kind === 'authenticate' && !state.authenticated) {
    if (p.off_session !== undefined && p.off_session !== false) {
      decline(ctx, pi, paymentMethod, {
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      });
    }
    if (p.error_on_requires_action) {
      decline(ctx, pi, paymentMethod, {
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message:
          'This payment required an authentication action to complete, but `error_on_requires_action` was set.',
      });
    }
    requireAction(ctx, pi, p.return_url, p.use_stripe_sdk === true);
    return;
  }
  authorize(ctx, pi, paymentMethod);
}

function decline(
  ctx: RequestContext,
  pi: PaymentIntent,
  paymentMethod: Stripe.PaymentMethod,
  d: Decline,
): never {
  const card = testCardOf(ctx, paymentMethod.id);
  const charge = buildCharge(ctx, pi, paymentMethod, card, { manual: isManual(pi), decline: d });
  pi.latest_charge = charge.id;
  pi.status = 'requires_payment_method';
  pi.payment_method = null;
  pi.last_payment_error = {
    type: 'card_error',
    charge: charge.id,
    code: d.code,
    decline_code: d.decline_code,
    doc_url: `https://docs.stripe.com/error-codes/${d.code.replaceAll('_', '-')}`,
    message: d.message,
    ...(d.param ? { param: d.param } : {}),
    payment_method: paymentMethod,
  };
  ctx.emit('charge.failed', charge);
  ctx.emit('payment_intent.payment_failed', pi);
  throw cardError({
    ...d,
    charge: charge.id,
    payment_intent: structuredClone(pi),
    payment_method: paymentMethod,
  });
}

/**
 * `use_stripe_sdk` (sent by Stripe.js) asks for the challenge in a frame even when a `return_url` is
 * given: the page stays put, so the challenge must not redirect.
 */
function requireAction(
  ctx: RequestContext,
  pi: PaymentIntent,
  returnUrl: string | undefined,
  useStripeSdk: boolean,
): void {
  const state = internals(ctx, pi);
  if (state.authToken) ctx.store.authentications.delete(state.authToken);
  const token = randomToken(24);
  state.authToken = token;
  if (useStripeSdk) delete state.returnUrl;
  else if (returnUrl) state.returnUrl = returnUrl;
  ctx.store.authentications.set(token, pi.id);
  const url = `${ctx.info.baseUrl}/3ds/${token}`;
  pi.status = 'requires_action';
  pi.next_action = state.returnUrl
    ? { type: 'redirect_to_url', redirect_to_url: { return_url: state.returnUrl, url } }
    : ({
        type: 'use_stripe_sdk',
        use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') },
      } as Stripe.PaymentIntent.NextAction);
  ctx.emit('payment_intent.requires_action', pi);
}

function authorize(ctx: RequestContext, pi: PaymentIntent, paymentMethod: Stripe.PaymentMethod): void {
  const manual = isManual(pi);
  const charge = buildCharge(ctx, pi, paymentMethod, testCardOf(ctx, paymentMethod.id), { manual });
  pi.latest_charge = charge.id;
  pi.next_action = null;
  pi.last_payment_error = null;
  internals(ctx, pi).authenticated = false;
  if (manual) {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    ctx.emit('charge.succeeded', charge);
    ctx.emit('payment_intent.amount_capturable_updated', pi);
    return;
  }
  charge.captured = true;
  charge.amount_captured = pi.amount;
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  bookCapture(ctx, pi, charge, pi.amount, pi.application_fee_amount);
  ctx.emit('charge.succeeded', charge);
  ctx.emit('payment_intent.succeeded', pi);
}

/** Outcome of the 3D Secure challenge (page or test helper). */
export function completeAuthentication(ctx: RequestContext, pi: PaymentIntent, succeed: boolean): void {
  if (pi.status !== 'requires_action') {
    throw stateError(
      `This PaymentIntent has a status of ${pi.status}; there is no authentication to complete.`,
      'payment_intent_unexpected_state',
    );
  }
  const state = internals(ctx, pi);
  if (state.authToken) ctx.store.authentications.delete(state.authToken);
  delete state.authToken;
  const paymentMethod = pi.payment_method
    ? ctx.store.paymentMethods.find(pi.payment_method as string)
    : undefined;
  if (!paymentMethod) throw missingPaymentMethod();
  if (!succeed) {
    pi.status = 'requires_payment_method';
    pi.next_action = null;
    pi.payment_method = null;
    pi.last_payment_error = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      doc_url: 'https://docs.stripe.com/error-codes/payment-intent-authentication-failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: paymentMethod,
    };
    ctx.emit('payment_intent.payment_failed', pi);
    return;
  }
  if (pi.confirmation_method === 'manual') {
    // Manual confirmation: the server confirms again after the customer authenticated.
    state.authenticated = true;
    pi.status = 'requires_confirmation';
    pi.next_action = null;
    return;
  }
  authorize(ctx, pi, paymentMethod);
}

export function capture(ctx: RequestContext, pi: PaymentIntent, p: CaptureParams): void {
  if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture', ['requires_capture']);
  const amount = p.amount_to_capture ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalidParam(
      'amount_to_capture',
      `The amount_to_capture (${amount}) must be less than or equal to the amount_capturable (${pi.amount_capturable}).`,
      'amount_too_large',
    );
  }
  if (p.final_capture === false) {
    throw invalidParam('final_capture', 'Multicapture is not available for this PaymentIntent.');
  }
  const fee = p.application_fee_amount ?? pi.application_fee_amount;
  if (p.application_fee_amount !== undefined && !pi.transfer_data && owner(ctx, pi) === null) {
    throw invalidParam(
      'application_fee_amount',
      'Can only apply an application_fee_amount to a direct or destination payment.',
    );
  }
  if (fee !== null && fee > amount) {
    throw invalidParam(
      'application_fee_amount',
      `The application fee (${fee}) cannot exceed the captured amount (${amount}).`,
    );
  }
  const transferAmount = p.transfer_data?.amount;
  if (transferAmount !== undefined) {
    if (!pi.transfer_data)
      throw invalidParam('transfer_data[amount]', 'This PaymentIntent has no transfer_data[destination].');
    if (transferAmount > amount)
      throw invalidParam('transfer_data[amount]', 'transfer_data[amount] cannot exceed the captured amount.');
    pi.transfer_data.amount = transferAmount;
  }
  const charge = ctx.store.charges.find(pi.latest_charge as string);
  if (!charge) throw new Error(`PaymentIntent ${pi.id} in requires_capture has no charge`);

  pi.status = 'succeeded';
  pi.amount_capturable = 0;
  pi.amount_received = amount;
  pi.application_fee_amount = fee;
  pi.metadata = mergeMetadata(pi.metadata, p.metadata);
  if (p.statement_descriptor) pi.statement_descriptor = p.statement_descriptor;
  if (p.statement_descriptor_suffix) pi.statement_descriptor_suffix = p.statement_descriptor_suffix;
  charge.captured = true;
  charge.amount_captured = amount;
  // Stripe reports the released remainder of a partial capture as refunded.
  charge.amount_refunded = charge.amount - amount;
  charge.application_fee_amount = fee;
  bookCapture(ctx, pi, charge, amount, fee);
  ctx.emit('charge.captured', charge);
  ctx.emit('payment_intent.succeeded', pi);
}

export function cancel(
  ctx: RequestContext,
  pi: PaymentIntent,
  reason: Stripe.PaymentIntent.CancellationReason | null,
): void {
  if (!CANCELABLE.includes(pi.status)) throw unexpectedState(pi, 'cancel', [...CANCELABLE, 'processing']);
  const wasAuthorized = pi.status === 'requires_capture';
  const state = internals(ctx, pi);
  if (state.authToken) ctx.store.authentications.delete(state.authToken);
  delete state.authToken;
  pi.status = 'canceled';
  pi.canceled_at = ctx.now();
  pi.cancellation_reason = reason;
  pi.amount_capturable = 0;
  pi.next_action = null;
  const account = owner(ctx, pi);
  if (wasAuthorized) {
    const charge = ctx.store.charges.find(pi.latest_charge as string);
    if (charge) {
      charge.refunded = true;
      charge.amount_refunded = charge.amount;
      ctx.emit(reason === 'automatic' ? 'charge.expired' : 'charge.refunded', charge, { account });
    }
  }
  ctx.emit('payment_intent.canceled', pi, { account });
}

/**
 * Uncaptured authorisations past `capture_before` are released, as Stripe does after 7 days. Runs
 * lazily before each request so an injected clock takes effect without timers.
 */
export function expireAuthorizations(ctx: RequestContext): void {
  const now = ctx.now();
  for (const pi of ctx.store.paymentIntents.values()) {
    if (pi.status !== 'requires_capture' || typeof pi.latest_charge !== 'string') continue;
    const charge = ctx.store.charges.find(pi.latest_charge);
    const captureBefore = charge?.payment_method_details?.card?.capture_before;
    if (captureBefore !== undefined && captureBefore <= now) cancel(ctx, pi, 'automatic');
  }
}
