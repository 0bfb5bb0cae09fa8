/**
 * PaymentIntents with Stripe's state machine:
 * requires_payment_method → requires_confirmation → (requires_action) → requires_capture (manual) |
 * succeeded (automatic), and canceled. A declined confirmation returns the intent to
 * requires_payment_method with `last_payment_error` and answers 402 with the intent in the error.
 * Uncaptured authorisations expire 7 days after authorisation (`capture_before`), as on Stripe.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { cardError, invalidParam, noSuchParamObject, type StripeApiError, stateError } from '../errors.js';
import { newClientSecret, newId, randomToken } from '../ids.js';
import { assertChargeAmount } from '../money.js';
import {
  bool,
  currency,
  expand,
  int,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
} from '../params.js';
import { expandObject, paginate } from '../render.js';
import type { Router } from '../router.js';
import type { Scope } from '../store.js';
import { type Decline, resolvePaymentMethod, testCardOf } from '../test-cards.js';
import { bookCapture, buildCharge } from './charges.js';
import { assertCanReceiveTransfers } from './transfers.js';

type PaymentIntent = Stripe.PaymentIntent;

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const email = () =>
  str().refine((v) => v === '' || EMAIL.test(v), {
    error: (iss) => `Invalid email address: ${String(iss.input)}`,
  });

const cardOptions = z
  .strictObject({
    capture_method: z.enum(['manual', '']).optional(),
    request_three_d_secure: oneOf(['any', 'automatic', 'challenge']).optional(),
    setup_future_usage: oneOf(['none', 'off_session', 'on_session']).optional(),
  })
  .optional();

/** Parameters `confirm` accepts, which `create` also accepts when `confirm=true`. */
const confirmShape = {
  payment_method: str().optional(),
  receipt_email: email().optional(),
  return_url: str().optional(),
  off_session: z.union([bool(), oneOf(['one_off', 'recurring'])]).optional(),
  setup_future_usage: z.enum(['off_session', 'on_session', '']).optional(),
  payment_method_options: z.strictObject({ card: cardOptions }).optional(),
  payment_method_types: z.array(str()).optional(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual']).optional(),
  error_on_requires_action: bool().optional(),
  use_stripe_sdk: bool().optional(),
  expand: expand(),
};

const createSchema = z.strictObject({
  ...confirmShape,
  amount: int(),
  currency: currency(),
  confirm: bool().optional(),
  confirmation_method: oneOf(['automatic', 'manual']).optional(),
  automatic_payment_methods: z
    .strictObject({ enabled: bool(), allow_redirects: oneOf(['always', 'never']).optional() })
    .optional(),
  description: str().optional(),
  metadata: metadata().optional(),
  statement_descriptor: str().max(22).optional(),
  statement_descriptor_suffix: str().max(22).optional(),
  transfer_data: z.strictObject({ destination: str(), amount: int(1).optional() }).optional(),
  application_fee_amount: int(0).optional(),
  on_behalf_of: str().optional(),
  transfer_group: str().optional(),
});

const updateSchema = z.strictObject({
  amount: int().optional(),
  currency: currency().optional(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual']).optional(),
  payment_method: str().optional(),
  payment_method_types: z.array(str()).optional(),
  payment_method_options: z.strictObject({ card: cardOptions }).optional(),
  setup_future_usage: z.enum(['off_session', 'on_session', '']).optional(),
  description: str().optional(),
  metadata: metadata().optional(),
  receipt_email: email().optional(),
  statement_descriptor: str().max(22).optional(),
  statement_descriptor_suffix: str().max(22).optional(),
  application_fee_amount: z.union([int(0), z.literal('')]).optional(),
  transfer_data: z.strictObject({ amount: int(1).optional() }).optional(),
  transfer_group: str().optional(),
  expand: expand(),
});

const captureSchema = z.strictObject({
  amount_to_capture: int(1).optional(),
  application_fee_amount: int(0).optional(),
  final_capture: bool().optional(),
  metadata: metadata().optional(),
  statement_descriptor: str().max(22).optional(),
  statement_descriptor_suffix: str().max(22).optional(),
  transfer_data: z.strictObject({ amount: int(1).optional() }).optional(),
  expand: expand(),
});

const cancelSchema = z.strictObject({
  cancellation_reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']).optional(),
  expand: expand(),
});

const listSchema = z.strictObject({
  ...listParams,
  customer: str().optional(),
  created: z.unknown().optional(),
});

type ConfirmParams = z.output<z.ZodObject<typeof confirmShape>>;

function isManual(pi: PaymentIntent): boolean {
  return pi.capture_method === 'manual' || pi.payment_method_options?.card?.capture_method === 'manual';
}

function assertPaymentMethodTypes(types: string[] | undefined): void {
  const unsupported = types?.find((t) => t !== 'card');
  if (unsupported !== undefined) {
    throw invalidParam(
      'payment_method_types',
      `The payment method type "${unsupported}" is invalid. The emulator supports only "card".`,
      'payment_intent_invalid_parameter',
    );
  }
}

function applyCardOptions(pi: PaymentIntent, options: ConfirmParams['payment_method_options']): void {
  const card = options?.card;
  if (!card) return;
  const current = pi.payment_method_options?.card;
  if (!current) return;
  if (card.capture_method !== undefined) {
    if (card.capture_method === 'manual') current.capture_method = 'manual';
    else delete current.capture_method;
  }
  if (card.request_three_d_secure) current.request_three_d_secure = card.request_three_d_secure;
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

function owner(ctx: RequestContext, pi: PaymentIntent): Scope {
  return ctx.store.paymentIntents.ownerOf(pi.id) ?? null;
}

function create(ctx: RequestContext, p: z.output<typeof createSchema>): PaymentIntent {
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

function missingPaymentMethod(): StripeApiError {
  return invalidParam(
    'payment_method',
    "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method with the payment_method parameter.",
    'payment_intent_unexpected_state',
  );
}

/** One confirmation attempt; throws the 402 card error after recording a decline. */
function confirm(ctx: RequestContext, pi: PaymentIntent, p: ConfirmParams): void {
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
    requireAction(ctx, pi, p.return_url);
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

function requireAction(ctx: RequestContext, pi: PaymentIntent, returnUrl: string | undefined): void {
  const state = internals(ctx, pi);
  if (state.authToken) ctx.store.authentications.delete(state.authToken);
  const token = randomToken(24);
  state.authToken = token;
  if (returnUrl) state.returnUrl = returnUrl;
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

function capture(ctx: RequestContext, pi: PaymentIntent, p: z.output<typeof captureSchema>): void {
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

function cancel(
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

function update(ctx: RequestContext, pi: PaymentIntent, p: z.output<typeof updateSchema>): void {
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

export function paymentIntentRoutes(router: Router): void {
  const find = (ctx: RequestContext, id: string | undefined) =>
    ctx.store.paymentIntents.require(id ?? '', ctx.scope, 'intent');

  router.post('/v1/payment_intents', (ctx, req) => {
    const p = parseParams(createSchema, req.params);
    return expandObject(ctx, create(ctx, p), p.expand);
  });

  router.get('/v1/payment_intents', (ctx, req) => {
    const p = parseParams(listSchema, req.params);
    return paginate(
      ctx,
      ctx.store.paymentIntents.list(ctx.scope),
      p,
      '/v1/payment_intents',
      'payment_intent',
    );
  });

  router.get('/v1/payment_intents/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand(), client_secret: str().optional() }), req.params);
    return expandObject(ctx, find(ctx, req.path.id), p.expand);
  });

  router.post('/v1/payment_intents/:id', (ctx, req) => {
    const p = parseParams(updateSchema, req.params);
    const pi = find(ctx, req.path.id);
    update(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/confirm', (ctx, req) => {
    const p = parseParams(z.strictObject(confirmShape), req.params);
    const pi = find(ctx, req.path.id);
    confirm(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/capture', (ctx, req) => {
    const p = parseParams(captureSchema, req.params);
    const pi = find(ctx, req.path.id);
    capture(ctx, pi, p);
    return expandObject(ctx, pi, p.expand);
  });

  router.post('/v1/payment_intents/:id/cancel', (ctx, req) => {
    const p = parseParams(cancelSchema, req.params);
    const pi = find(ctx, req.path.id);
    cancel(ctx, pi, p.cancellation_reason ?? null);
    return expandObject(ctx, pi, p.expand);
  });

  router.get('/v1/payment_methods/:id', (ctx, req) => {
    const p = parseParams(z.strictObject({ expand: expand() }), req.params);
    return expandObject(
      ctx,
      ctx.store.paymentMethods.require(req.path.id ?? '', ctx.scope, 'payment_method'),
      p.expand,
    );
  });
}
