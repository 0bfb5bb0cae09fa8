/**
 * Operators (keys.operator) and their API keys. A key is two items (keys.ts): the lookup item,
 * `APIKEY#<sha256>`, read on every API call, and the listing item in the operator's partition. Both
 * are written in one transaction and revoked in one, so a listed key and a working key never differ.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyActiveAt, earlierRevocation } from '../../domain/api-key.js';
import type { Operator } from '../../domain/entities.js';
import type {
  ApiKeyRecord,
  ApiKeySummary,
  OperatorRegistry,
  RevokeOutcome,
  RotateOutcome,
} from '../../ports/operators.js';
import { keys, queries } from './keys.js';
import {
  beginsWith,
  Expression,
  failedConditions,
  ITEM_ABSENT,
  lostRace,
  putIfAbsent,
  queryAll,
  type TableContext,
  ttlAfter,
} from './support.js';

/** How long a revoked key stays listed (and its lookup item stored) before TTL removes both. */
const REVOKED_KEY_RETENTION_SECONDS = 90 * 24 * 3600;

/** Attempts of a revoke or rotate that lost a race with another write to the same key. */
const MAX_ATTEMPTS = 3;

type Item = Record<string, unknown>;

function summaryOf(item: Item): ApiKeySummary {
  return {
    keyId: String(item.keyId),
    operatorId: String(item.operatorId),
    label: String(item.label ?? ''),
    createdAt: String(item.createdAt),
    ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
    ...(typeof item.rotatedToKeyId === 'string' ? { rotatedToKeyId: item.rotatedToKeyId } : {}),
    ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
  };
}

export class DynamoOperatorRegistry implements OperatorRegistry {
  constructor(private readonly t: TableContext) {}

  create(operator: Operator): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, { ...keys.operator(operator.operatorId), entity: 'operator', ...operator });
  }

  async createApiKey(key: ApiKeyRecord): Promise<'created' | 'exists'> {
    try {
      await this.t.doc.send(new TransactWriteCommand({ TransactItems: this.putKey(key) }));
      return 'created';
    } catch (err) {
      if (failedConditions(err)?.some(Boolean)) return 'exists';
      throw err;
    }
  }

  async listApiKeys(operatorId: string): Promise<ApiKeySummary[]> {
    const { items } = await queryAll(this.t, {
      ...beginsWith(queries.apiKeysOfOperator(operatorId)),
      ConsistentRead: true,
    });
    return items.map(summaryOf).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async apiKey(operatorId: string, keyId: string): Promise<ApiKeySummary | undefined> {
    const item = await this.listingItem(operatorId, keyId);
    return item ? summaryOf(item) : undefined;
  }

  async revokeApiKey(operatorId: string, keyId: string, revokedAt: string): Promise<RevokeOutcome> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.listingItem(operatorId, keyId);
      if (!item) return { outcome: 'not-found' };
      const effective = earlierRevocation(item.revokedAt as string | undefined, revokedAt);
      if (effective === item.revokedAt) return { outcome: 'revoked', key: summaryOf(item) };
      try {
        await this.t.doc.send(
          new TransactWriteCommand({ TransactItems: this.revokeKey(item, effective, {}) }),
        );
        return { outcome: 'revoked', key: summaryOf({ ...item, revokedAt: effective }) };
      } catch (err) {
        if (!lostRace(err) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  async rotateApiKey(
    operatorId: string,
    keyId: string,
    replacement: ApiKeyRecord,
    oldRevokedAt: string,
    at: string,
  ): Promise<RotateOutcome> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.listingItem(operatorId, keyId);
      if (!item) return { outcome: 'not-found' };
      const current = item.revokedAt as string | undefined;
      if (!apiKeyActiveAt(current, Date.parse(at))) return { outcome: 'revoked', old: summaryOf(item) };
      const effective = earlierRevocation(current, oldRevokedAt);
      try {
        await this.t.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              ...this.putKey(replacement),
              ...this.revokeKey(item, effective, { rotatedToKeyId: replacement.keyId }),
            ],
          }),
        );
        const { apiKeyHash: _hash, ...created } = replacement;
        return {
          outcome: 'rotated',
          old: summaryOf({ ...item, revokedAt: effective, rotatedToKeyId: replacement.keyId }),
          created,
        };
      } catch (err) {
        // The replacement's ids are random: a lost race here is another write to the old key.
        if (!lostRace(err) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  private async listingItem(operatorId: string, keyId: string): Promise<Item | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.operatorApiKey(operatorId, keyId),
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  private putKey(key: ApiKeyRecord) {
    const { apiKeyHash, ...rest } = key;
    return [
      {
        Put: {
          TableName: this.t.tableName,
          Item: { ...keys.apiKey(apiKeyHash), entity: 'apiKey', ...rest },
          ConditionExpression: ITEM_ABSENT,
        },
      },
      {
        Put: {
          TableName: this.t.tableName,
          Item: { ...keys.operatorApiKey(key.operatorId, key.keyId), entity: 'operatorApiKey', ...key },
          ConditionExpression: ITEM_ABSENT,
        },
      },
    ];
  }

  /**
   * Both items of a stored key set to be refused from `revokedAt`, on the condition that the listing
   * item still holds the revocation time it was read with (else the caller re-reads: lostRace).
   */
  private revokeKey(listing: Item, revokedAt: string, extra: Item) {
    const fields = { revokedAt, expiresAt: ttlAfter(revokedAt, REVOKED_KEY_RETENTION_SECONDS), ...extra };
    const seen = listing.revokedAt as string | undefined;
    const onListing = new Expression().setAll(fields);
    onListing.when(
      seen === undefined
        ? `attribute_exists(pk) AND attribute_not_exists(${onListing.name('revokedAt')})`
        : `${onListing.name('revokedAt')} = ${onListing.value(seen)}`,
    );
    const onLookup = new Expression().setAll(fields).when('attribute_exists(pk)');
    return [
      {
        Update: {
          TableName: this.t.tableName,
          Key: keys.operatorApiKey(String(listing.operatorId), String(listing.keyId)),
          ...onListing.params(),
        },
      },
      {
        Update: {
          TableName: this.t.tableName,
          Key: keys.apiKey(String(listing.apiKeyHash)),
          ...onLookup.params(),
        },
      },
    ];
  }
}
