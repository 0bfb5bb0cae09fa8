/**
 * What Stripe.js may do with a PaymentIntent using the publishable key: retrieve and confirm it, each
 * only with the intent's `client_secret`, and see only the fields Stripe shows to a publishable key
 * (no metadata, no Connect fields), so a page cannot come to rely on what it would not get in AWS.
 */
import type Stripe from 'stripe';
import type { RequestContext } from '../../context.js';
import { invalidParam, missingParam, StripeApiError } from '../../errors.js';

const PUBLIC_FIELDS = [
  'id',
  'object',
  'amount',
  'automatic_payment_methods',
  'canceled_at',
  'cancellation_reason',
  'capture_method',
  'client_secret',
  'confirmation_method',
  'created',
  'currency',
  'description',
  'last_payment_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_types',
  'processing',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'status',
] as const;

/** Throws unless a publishable-key request carries the intent's own client secret. */
export function assertClientSecret(ctx: RequestContext, pi: Stripe.PaymentIntent, given: unknown): void {
  if (!ctx.info.publishable) return;
  if (given === undefined) throw missingParam('client_secret');
  if (given !== pi.client_secret) {
    throw invalidParam(
      'client_secret',
      'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
    );
  }
}

/** The intent as the caller's key may see it. */
export function visibleIntent(ctx: RequestContext, pi: Stripe.PaymentIntent): unknown {
  if (!ctx.info.publishable) return pi;
  const view: Record<string, unknown> = {};
  for (const field of PUBLIC_FIELDS) view[field] = pi[field];
  return view;
}

/** A card error answered to Stripe.js carries the public view of the intent, not the full object. */
export function withVisibleIntent(ctx: RequestContext, error: unknown): unknown {
  if (!ctx.info.publishable || !(error instanceof StripeApiError) || !error.body.payment_intent) return error;
  const body = {
    ...error.body,
    payment_intent: visibleIntent(ctx, error.body.payment_intent as Stripe.PaymentIntent),
  };
  return new StripeApiError(error.status, body, error.replayable);
}
