/**
 * The PaymentGateway port over the real `stripe` SDK (Stripe in AWS, the project's emulator
 * locally). Manual-capture PaymentIntents: amounts are integer minor units on both sides; Stripe
 * wants lower-case currency codes, the platform keeps upper case, so the case changes only here.
 */
import type Stripe from 'stripe';
import type { CreateHoldInput, Hold, PaymentGateway } from '../../ports/payments.js';

const EXPAND = ['latest_charge'];

const KNOWN_STATUSES: readonly Hold['status'][] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
];

/** A status a newer API version might add is treated as in flight: nothing acts on it. */
const statusOf = (status: string): Hold['status'] =>
  (KNOWN_STATUSES as readonly string[]).includes(status) ? (status as Hold['status']) : 'processing';

function toHold(pi: Stripe.PaymentIntent): Hold {
  const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
  const captureBefore = charge?.payment_method_details?.card?.capture_before ?? undefined;
  const lastError = pi.last_payment_error;
  return {
    paymentIntentId: pi.id,
    status: statusOf(pi.status),
    amountMinor: pi.amount,
    amountCapturableMinor: pi.amount_capturable,
    amountReceivedMinor: pi.amount_received,
    currency: pi.currency.toUpperCase(),
    ...(pi.client_secret ? { clientSecret: pi.client_secret } : {}),
    ...(typeof captureBefore === 'number' ? { captureBefore } : {}),
    ...(pi.cancellation_reason ? { cancellationReason: pi.cancellation_reason } : {}),
    ...(lastError
      ? {
          lastError: {
            code: lastError.decline_code ?? lastError.code ?? 'payment_failed',
            message: lastError.message ?? 'The payment failed.',
          },
        }
      : {}),
    metadata: { ...(pi.metadata ?? {}) },
  };
}

/**
 * The client comes through a getter: in AWS the secret key is read from Secrets Manager (cached,
 * so a rotated key is picked up), which is asynchronous.
 */
export class StripePaymentGateway implements PaymentGateway {
  constructor(
    private readonly client: () => Promise<Stripe>,
    readonly publishableKey: string,
  ) {}

  async createHold(input: CreateHoldInput): Promise<Hold> {
    const pi = await (await this.client()).paymentIntents.create(
      {
        amount: input.amountMinor,
        currency: input.currency.toLowerCase(),
        capture_method: 'manual',
        metadata: input.metadata,
        description: input.description,
        ...(input.receiptEmail ? { receipt_email: input.receiptEmail } : {}),
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return toHold(pi);
  }

  async getHold(paymentIntentId: string): Promise<Hold> {
    return toHold(await (await this.client()).paymentIntents.retrieve(paymentIntentId, { expand: EXPAND }));
  }

  async capture(paymentIntentId: string, amountMinor: number, idempotencyKey: string): Promise<Hold> {
    const pi = await (await this.client()).paymentIntents.capture(
      paymentIntentId,
      { amount_to_capture: amountMinor, expand: EXPAND },
      { idempotencyKey },
    );
    return toHold(pi);
  }

  async cancel(
    paymentIntentId: string,
    reason: 'requested_by_customer' | 'abandoned',
    idempotencyKey: string,
  ): Promise<Hold> {
    const pi = await (await this.client()).paymentIntents.cancel(
      paymentIntentId,
      { cancellation_reason: reason, expand: EXPAND },
      { idempotencyKey },
    );
    return toHold(pi);
  }
}
