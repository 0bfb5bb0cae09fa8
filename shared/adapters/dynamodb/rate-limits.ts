/**
 * Rate limits on the platform table (keys.ts `rateLimit`, in the operator's partition): one item per
 * limited subject holding the times of its uses still in the window, replaced by a conditional put
 * on the version read, so two requests at once cannot both take the last use. The item expires (TTL)
 * once its latest use has left the window.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type RateLimits, type RateSubject, type RateTake, slideWindow } from '../../ports/rate-limits.js';
import { keys } from './keys.js';
import { isConditionalCheckFailed, type TableContext, ttlSeconds } from './support.js';

/**
 * Lost races before giving up: each loss means another request took a use meanwhile, so a request
 * sees the window full after at most `limit` losses; this bounds the unlikely rest.
 */
const MAX_ATTEMPTS = 10;

export class DynamoRateLimits implements RateLimits {
  constructor(private readonly t: TableContext) {}

  async take(subject: RateSubject, limit: number, windowMs: number, atMs: number): Promise<RateTake> {
    const key = keys.rateLimit(subject.operatorId, subject.action, subject.resourceId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { Item } = await this.t.doc.send(
        new GetCommand({ TableName: this.t.tableName, Key: key, ConsistentRead: true }),
      );
      const version = typeof Item?.version === 'number' ? Item.version : 0;
      const used = Array.isArray(Item?.usesAtMs) ? (Item.usesAtMs as number[]) : [];
      const { recent, refusal } = slideWindow(used, limit, windowMs, atMs);
      if (refusal) return refusal;
      try {
        await this.t.doc.send(
          new PutCommand({
            TableName: this.t.tableName,
            Item: {
              ...key,
              entity: 'rateLimit',
              ...subject,
              usesAtMs: [...recent, atMs],
              version: version + 1,
              expiresAt: ttlSeconds(atMs + windowMs) + 1,
            },
            ConditionExpression: Item ? 'version = :v' : 'attribute_not_exists(pk)',
            ...(Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
        return { taken: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    // Requests this busy on one subject are what the limit is for: ask the caller to wait a moment.
    return { taken: false, retryAtMs: atMs + 1000 };
  }
}
