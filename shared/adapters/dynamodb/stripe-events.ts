import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StripeEventRecord, StripeEventStore } from '../../ports/stripe-events.js';
import { keys } from './keys.js';
import { putIfAbsent, ttlAfter } from './support.js';

/** Stripe retries for three days; keep ids a little longer so a late redelivery is still caught. */
const RETENTION_SECONDS = 7 * 24 * 3600;

export class DynamoStripeEventStore implements StripeEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async seen(eventId: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  async recordOnce(event: StripeEventRecord): Promise<'recorded' | 'duplicate'> {
    const outcome = await putIfAbsent(
      { doc: this.db, tableName: this.tableName },
      {
        ...keys.stripeEvent(event.eventId),
        entity: 'stripeEvent',
        ...event,
        expiresAt: ttlAfter(event.receivedAt, RETENTION_SECONDS),
      },
    );
    return outcome === 'created' ? 'recorded' : 'duplicate';
  }
}
