/**
 * Stripe's webhooks for PaymentIntents. Stripe does not order events and may send one twice, so
 * none of them is trusted for state: each handler re-reads the PaymentIntent (inside the use case
 * it calls) and moves the session only forward.
 */
import { confirmHold } from './confirm-hold.js';
import { isoFromMillis, type PaymentsDeps } from './deps.js';

export interface PaymentIntentEvent {
  type: string;
  paymentIntentId: string;
  /** The intent's metadata as the event carried it (set at creation, never changed). */
  sessionId?: string;
}

/**
 * The PaymentIntent events the platform acts on (the cases of `handlePaymentIntentEvent`); any other
 * event sent to the platform endpoint is only recorded. The endpoint subscribes to these alone
 * (README, deploy step 3; local/platform.ts): each other event costs an invocation, an HTTP API
 * request and a write for nothing, and a paid session makes three or four of them.
 */
export const PAYMENT_INTENT_EVENTS_ACTED_ON = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed',
  'payment_intent.requires_action',
  'payment_intent.canceled',
] as const;

export type PaymentEventOutcome = 'ignored' | 'hold-confirmed' | 'recorded' | 'nothing-to-do';

export async function handlePaymentIntentEvent(
  deps: PaymentsDeps,
  event: PaymentIntentEvent,
): Promise<PaymentEventOutcome> {
  if (!event.sessionId) return 'ignored';
  const session = await deps.sessions.get(event.sessionId);
  if (!session || session.paymentIntentId !== event.paymentIntentId) return 'ignored';
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
    case 'payment_intent.payment_failed':
    case 'payment_intent.requires_action': {
      const result = await confirmHold(deps, session);
      return result.outcome === 'started' || result.outcome === 'charger-refused'
        ? 'hold-confirmed'
        : 'nothing-to-do';
    }
    case 'payment_intent.canceled': {
      const hold = await deps.payments.getHold(session.paymentIntentId);
      const lapsed = hold.cancellationReason === 'automatic' || hold.cancellationReason === 'expired';
      if (lapsed && !session.settlement && !session.uncollected) {
        await deps.sessions.patch(session.sessionId, {
          uncollected: true,
          updatedAt: isoFromMillis(deps.clock.now()),
        });
        deps.log.error('Stripe released the hold before capture: session uncollected', {
          sessionId: session.sessionId,
        });
        return 'recorded';
      }
      return 'nothing-to-do';
    }
    default:
      return 'nothing-to-do';
  }
}
