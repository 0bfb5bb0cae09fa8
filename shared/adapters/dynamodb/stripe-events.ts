import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StripeEventRecord, StripeEventStore } from '../../ports/stripe-events.js';
import { keys } from './keys.js';

/** Stripe retries for three days; keep ids a little longer so a late redelivery is still caught. */
const RETENTION_SECONDS = 7 * 24 * 3600;

export class DynamoStripeEventStore implements StripeEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordOnce(event: StripeEventRecord): Promise<'recorded' | 'duplicate'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.stripeEvent(event.eventId),
            entity: 'stripeEvent',
            ...event,
            expiresAt: Math.floor(Date.parse(event.receivedAt) / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'duplicate';
      throw err;
    }
  }
}
