/**
 * The form parameters each PaymentIntent endpoint accepts (zod schemas, Stripe's parameter errors), and
 * the parameter rules shared by create, update and confirm.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { invalidParam } from '../../errors.js';
import { bool, currency, expand, int, listParams, metadata, oneOf, str } from '../../params.js';

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
export const confirmShape = {
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

export const createSchema = z.strictObject({
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

export const updateSchema = z.strictObject({
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

export const captureSchema = z.strictObject({
  amount_to_capture: int(1).optional(),
  application_fee_amount: int(0).optional(),
  final_capture: bool().optional(),
  metadata: metadata().optional(),
  statement_descriptor: str().max(22).optional(),
  statement_descriptor_suffix: str().max(22).optional(),
  transfer_data: z.strictObject({ amount: int(1).optional() }).optional(),
  expand: expand(),
});

export const cancelSchema = z.strictObject({
  cancellation_reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']).optional(),
  expand: expand(),
});

export const listSchema = z.strictObject({
  ...listParams,
  customer: str().optional(),
  created: z.unknown().optional(),
});

export type ConfirmParams = z.output<z.ZodObject<typeof confirmShape>>;

export function assertPaymentMethodTypes(types: string[] | undefined): void {
  const unsupported = types?.find((t) => t !== 'card');
  if (unsupported !== undefined) {
    throw invalidParam(
      'payment_method_types',
      `The payment method type "${unsupported}" is invalid. The emulator supports only "card".`,
      'payment_intent_invalid_parameter',
    );
  }
}

export function applyCardOptions(
  pi: Stripe.PaymentIntent,
  options: ConfirmParams['payment_method_options'],
): void {
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
export type CreateParams = z.output<typeof createSchema>;
export type UpdateParams = z.output<typeof updateSchema>;
export type CaptureParams = z.output<typeof captureSchema>;

/**
 * What Stripe.js sends to confirm with the publishable key: the intent's `client_secret` and the card
 * typed into the Payment Element's frame as `payment_method_data` (never seen by the merchant's page).
 */
export const publishableConfirmSchema = z.strictObject({
  ...confirmShape,
  client_secret: str(),
  payment_method_data: z
    .strictObject({
      type: z.literal('card'),
      card: z.strictObject({
        number: str(),
        exp_month: int(),
        exp_year: int(),
        cvc: str().optional(),
      }),
      billing_details: z.strictObject({ email: email().optional(), name: str().optional() }).optional(),
    })
    .optional(),
});
