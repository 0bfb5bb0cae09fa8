/** Composition root for the payments functions: adapters built once per container. */
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
