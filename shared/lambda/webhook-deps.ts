/**
 * What the Stripe webhook needs for every delivery: the store that deduplicates events by id. Apart
 * from the payments and Connect composition roots, which the webhook loads with the first event
 * that needs each (functions/payments/stripe-webhook.ts).
 */
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoStripeEventStore } from '../adapters/dynamodb/stripe-events.js';
import type { RecordStripeEventDeps } from '../app/payments/record-stripe-event.js';
import { systemClock } from '../ports/clock.js';
import { perConfig } from './config.js';

/** The container's deps (see perConfig). */
export const webhookDeps: () => RecordStripeEventDeps = perConfig((c) => {
  const db = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  return { stripeEvents: new DynamoStripeEventStore(db, c.TABLE_NAME), clock: systemClock };
});
