/**
 * Idempotency keys on the platform table (keys.ts `idempotencyKey`, in the operator's partition):
 * one item per key, created by a conditional put so two requests with one key cannot both run, then
 * given the answer. The item expires (TTL) when the key is no longer kept.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  IdempotencyBegin,
  IdempotencyKeys,
  IdempotentRequest,
  StoredAnswer,
} from '../../ports/idempotency.js';
import { keys } from './keys.js';
import { getItem, ITEM_ABSENT, isConditionalCheckFailed, type TableContext, ttlSeconds } from './support.js';

const keyOf = (r: IdempotentRequest) =>
  keys.idempotencyKey(r.operatorId, createHash('sha256').update(r.key).digest('base64url'));

/** A key freed between the put that found it and the read: try again, a few times at most. */
const MAX_ATTEMPTS = 3;

export class DynamoIdempotencyKeys implements IdempotencyKeys {
  constructor(private readonly t: TableContext) {}

  async begin(
    request: IdempotentRequest,
    times: { nowMs: number; leaseUntilMs: number; keepUntilMs: number },
  ): Promise<IdempotencyBegin> {
    const key = keyOf(request);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.t.doc.send(
          new PutCommand({
            TableName: this.t.tableName,
            Item: {
              ...key,
              entity: 'idempotencyKey',
              operatorId: request.operatorId,
              fingerprint: request.fingerprint,
              state: 'running',
              leaseUntilMs: times.leaseUntilMs,
              expiresAtMs: times.keepUntilMs,
              expiresAt: ttlSeconds(times.keepUntilMs) + 1,
            },
            // Free, lapsed, or the same request's crashed run (past its lease).
            ConditionExpression: `${ITEM_ABSENT} OR expiresAtMs < :now OR (#state = :running AND leaseUntilMs < :now AND fingerprint = :fp)`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':now': times.nowMs,
              ':running': 'running',
              ':fp': request.fingerprint,
            },
          }),
        );
        return { kind: 'started' };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
      const held = await getItem(this.t, key);
      if (!held) continue;
      if (held.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
      if (held.state === 'done' && typeof held.statusCode === 'number' && typeof held.body === 'string')
        return { kind: 'replay', answer: { statusCode: held.statusCode, body: held.body } };
      return { kind: 'running' };
    }
    return { kind: 'running' };
  }

  async finish(request: IdempotentRequest, answer: StoredAnswer, keepUntilMs: number): Promise<void> {
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keyOf(request),
        UpdateExpression:
          'SET #state = :done, statusCode = :status, body = :body, expiresAtMs = :keep, expiresAt = :ttl REMOVE leaseUntilMs',
        ConditionExpression: 'fingerprint = :fp',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':status': answer.statusCode,
          ':body': answer.body,
          ':keep': keepUntilMs,
          ':ttl': ttlSeconds(keepUntilMs) + 1,
          ':fp': request.fingerprint,
        },
      }),
    );
  }

  async release(request: IdempotentRequest): Promise<void> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: keyOf(request),
          ConditionExpression: '#state = :running AND fingerprint = :fp',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':running': 'running', ':fp': request.fingerprint },
        }),
      );
    } catch (err) {
      // Already answered, lapsed or taken over: nothing of this request's to free.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
