/** Composition root for the payments functions: adapters built once per container. */
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoStripeEventStore } from '../adapters/dynamodb/stripe-events.js';
import type { RecordStripeEventDeps } from '../app/payments/record-stripe-event.js';
import { systemClock } from '../ports/clock.js';
import { config } from './config.js';

let deps: RecordStripeEventDeps | undefined;

export function webhookDeps(): RecordStripeEventDeps {
  if (!deps) {
    const c = config();
    const db = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
    deps = { stripeEvents: new DynamoStripeEventStore(db, c.TABLE_NAME), clock: systemClock };
  }
  return deps;
}
