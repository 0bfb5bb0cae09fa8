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
