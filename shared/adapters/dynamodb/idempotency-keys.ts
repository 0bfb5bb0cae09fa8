/**
 * Idempotency keys on the platform table (keys.ts `idempotencyKey`, in the operator's partition):
 * one item per key, created by a conditional put so two requests with one key cannot both run, then
 * given the answer. The item expires (TTL) when the key is no longer kept.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  IdempotencyBegin,
  IdempotencyKeys,
  IdempotentRequest,
  StoredAnswer,
} from '../../ports/idempotency.js';
import { keys } from './keys.js';
import { getItem, isConditionalCheckFailed, putIfAbsent, type TableContext, ttlSeconds } from './support.js';

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
      const item = {
        ...key,
        entity: 'idempotencyKey',
        operatorId: request.operatorId,
        fingerprint: request.fingerprint,
        runState: 'running',
        leaseUntilMs: times.leaseUntilMs,
        expiresAtMs: times.keepUntilMs,
        expiresAt: ttlSeconds(times.keepUntilMs) + 1,
      };
      // Free, lapsed, or the same request's crashed run (past its lease).
      const taken = await putIfAbsent(this.t, item, {
        condition:
          'expiresAtMs < :now OR (runState = :running AND leaseUntilMs < :now AND fingerprint = :fp)',
        values: { ':now': times.nowMs, ':running': 'running', ':fp': request.fingerprint },
      });
      if (taken === 'created') return { kind: 'started' };
      const held = await getItem(this.t, key);
      if (!held) continue;
      if (held.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
      if (held.runState === 'done' && typeof held.statusCode === 'number' && typeof held.body === 'string')
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
          'SET runState = :done, statusCode = :status, body = :body, expiresAtMs = :keep, expiresAt = :ttl REMOVE leaseUntilMs',
        ConditionExpression: 'fingerprint = :fp',
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
          ConditionExpression: 'runState = :running AND fingerprint = :fp',
          ExpressionAttributeValues: { ':running': 'running', ':fp': request.fingerprint },
        }),
      );
    } catch (err) {
      // Already answered, lapsed or taken over: nothing of this request's to free.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
