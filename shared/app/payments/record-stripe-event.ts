import type { Clock } from '../../ports/clock.js';
import type { StripeEventStore } from '../../ports/stripe-events.js';

export interface RecordStripeEventDeps {
  stripeEvents: StripeEventStore;
  clock: Clock;
}

/** The parts of a verified Stripe event the platform keeps. */
export interface VerifiedStripeEvent {
  id: string;
  type: string;
  created: number;
  account?: string | undefined;
  data: { object: unknown };
}

/** Records a verified event once; a redelivered event id is reported as a duplicate and ignored. */
export async function recordStripeEvent(
  deps: RecordStripeEventDeps,
  event: VerifiedStripeEvent,
): Promise<'recorded' | 'duplicate'> {
  const object = event.data.object as { id?: unknown } | null;
  return deps.stripeEvents.recordOnce({
    eventId: event.id,
    type: event.type,
    ...(event.account ? { account: event.account } : {}),
    ...(typeof object?.id === 'string' ? { objectId: object.id } : {}),
    created: event.created,
    receivedAt: new Date(deps.clock.now()).toISOString(),
  });
}
