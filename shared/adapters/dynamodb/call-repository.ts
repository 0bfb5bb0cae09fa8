/**
 * Platform → charger calls. Each call is an item `CP#<chargerId>` / `CALL#<createdAt>#<messageId>`
 * (queue order = sort order), indexed in gsi1 under `OPENCALL` only while it is open (sparse), so
 * the sweeper finds overdue calls without a scan. The charger's outstanding slot is the item
 * `CP#<chargerId>` / `OUTSTANDING`, taken by a conditional put. Ended calls expire by TTL.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  CallOutcome,
  CallRef,
  OutboundCallRecord,
  OutboundCallRepository,
  OutstandingCall,
} from '../../ports/charger-calls.js';
import { gsi1, keys } from './keys.js';
import { isConditionalCheckFailed, stripKeys, type TableContext, ttlSeconds } from './support.js';

/** How long an ended call stays readable (operator history, debugging). */
const CALL_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

const callKey = (r: CallRef) => keys.outboundCall(r.chargerId, r.createdAt, r.messageId);

const toCall = (item: Record<string, unknown>): OutboundCallRecord => {
  const { expiresAt: _, ...rest } = stripKeys<OutboundCallRecord & { expiresAt?: number }>(item);
  return rest;
};

export class DynamoCallRepository implements OutboundCallRepository {
  constructor(private readonly t: TableContext) {}

  async create(call: OutboundCallRecord): Promise<void> {
    await this.t.doc.send(
      new PutCommand({
        TableName: this.t.tableName,
        Item: {
          ...callKey(call),
          ...gsi1.openCall(call.deadline, call.chargerId, call.messageId),
          entity: 'outboundCall',
          ...call,
          expiresAt: ttlSeconds(Date.parse(call.createdAt) + CALL_RETENTION_MS),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(ref: CallRef): Promise<OutboundCallRecord | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: callKey(ref), ConsistentRead: true }),
    );
    return out.Item ? toCall(out.Item) : undefined;
  }

  async acquire(chargerId: string, call: OutstandingCall): Promise<boolean> {
    try {
      await this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: {
            ...keys.outstandingCall(chargerId),
            entity: 'outstandingCall',
            ...call,
            expiresAt: ttlSeconds(Date.parse(call.deadline) + CALL_RETENTION_MS),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async outstanding(chargerId: string): Promise<OutstandingCall | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.outstandingCall(chargerId),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { messageId, createdAt, deadline } = out.Item as OutstandingCall;
    return { messageId, createdAt, deadline };
  }

  async release(chargerId: string, messageId: string): Promise<void> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: keys.outstandingCall(chargerId),
          ConditionExpression: 'messageId = :mid',
          ExpressionAttributeValues: { ':mid': messageId },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async markSent(ref: CallRef, sentAt: string, connectionId: string): Promise<boolean> {
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: callKey(ref),
          UpdateExpression: 'SET #status = :sent, sentAt = :at, connectionId = :cid',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':queued': 'queued',
            ':at': sentAt,
            ':cid': connectionId,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async complete(ref: CallRef, outcome: CallOutcome): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':at': outcome.completedAt,
      ':queued': 'queued',
      ':sent': 'sent',
    };
    const sets = ['#status = :status', 'completedAt = :at'];
    if (outcome.result !== undefined) {
      sets.push('#result = :result');
      names['#result'] = 'result';
      values[':result'] = outcome.result;
    }
    if (outcome.error !== undefined) {
      sets.push('#error = :error');
      names['#error'] = 'error';
      values[':error'] = outcome.error;
    }
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: callKey(ref),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: '#status IN (:queued, :sent)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async queued(chargerId: string): Promise<OutboundCallRecord[]> {
    const { pk } = keys.outstandingCall(chargerId);
    const calls: OutboundCallRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :call)',
          FilterExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': pk, ':call': 'CALL#', ':queued': 'queued' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) calls.push(toCall(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return calls;
  }

  async open(): Promise<OutboundCallRecord[]> {
    const calls: OutboundCallRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :open',
          ExpressionAttributeValues: { ':open': gsi1.openCall('', '', '').gsi1pk },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) calls.push(toCall(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return calls;
  }
}
