/**
 * Platform → charger calls. Each call is an item keys.outboundCall (in the charger's partition,
 * sorted by creation time: queue order = sort order), indexed in gsi1 (gsi1.openCall) only while it
 * is open (sparse), so the sweeper finds overdue calls without a scan. The charger's outstanding
 * slot is the item keys.outstandingCall, taken by a conditional put. Ended calls expire by TTL.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  CallOutcome,
  CallRef,
  OutboundCallRecord,
  OutboundCallRepository,
  OutstandingCall,
  SentCall,
} from '../../ports/charger-calls.js';
import { gsi1, keys, OPEN_CALL_PARTITION, outboundCallsSinceRange, queries } from './keys.js';
import {
  beginsWith,
  Expression,
  ITEM_ABSENT,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
  stripKeys,
  type TableContext,
  ttlAfter,
} from './support.js';

/** How long an ended call stays readable (operator history, debugging). */
const CALL_RETENTION_SECONDS = 7 * 24 * 60 * 60;

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
          expiresAt: ttlAfter(call.createdAt, CALL_RETENTION_SECONDS),
        },
        // A message id is created once: a second create with the same key is a bug, so it throws.
        ConditionExpression: ITEM_ABSENT,
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
    const outcome = await putIfAbsent(this.t, {
      ...keys.outstandingCall(chargerId),
      entity: 'outstandingCall',
      ...call,
      expiresAt: ttlAfter(call.deadline, CALL_RETENTION_SECONDS),
    });
    return outcome === 'created';
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

  async markSent(ref: CallRef, sent: SentCall): Promise<boolean> {
    const e = new Expression();
    e.when(`${e.name('status')} = ${e.value('queued')}`);
    // The open-call index sorts by deadline: it moves from the queue's to the answer's.
    const { gsi1sk } = gsi1.openCall(sent.deadline, ref.chargerId, ref.messageId);
    e.setAll({ status: 'sent', ...sent, gsi1sk });
    return this.updateOpen(ref, e);
  }

  async complete(ref: CallRef, outcome: CallOutcome): Promise<boolean> {
    const e = new Expression();
    e.when(`${e.name('status')} IN (${e.value('queued')}, ${e.value('sent')})`);
    e.setAll({
      status: outcome.status,
      completedAt: outcome.completedAt,
      result: outcome.result,
      resultTruncated: outcome.resultTruncated,
      error: outcome.error,
    });
    // Leaving the sparse open-call index: the sweeper no longer sees it.
    e.remove('gsi1pk').remove('gsi1sk');
    return this.updateOpen(ref, e);
  }

  /** An update conditional on the call still being open; false when it was not. */
  private async updateOpen(ref: CallRef, e: Expression): Promise<boolean> {
    try {
      await this.t.doc.send(
        new UpdateCommand({ TableName: this.t.tableName, Key: callKey(ref), ...e.params() }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async queued(chargerId: string): Promise<OutboundCallRecord[]> {
    const condition = beginsWith(queries.outboundCalls(chargerId));
    const { items } = await queryAll(this.t, {
      ...condition,
      FilterExpression: '#status = :queued',
      ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#status': 'status' },
      ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':queued': 'queued' },
      ConsistentRead: true,
    });
    return items.map(toCall);
  }

  async open(): Promise<OutboundCallRecord[]> {
    const { items } = await queryAll(this.t, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': OPEN_CALL_PARTITION },
    });
    return items.map(toCall);
  }

  async createdSince(chargerId: string, since: string): Promise<OutboundCallRecord[]> {
    const range = outboundCallsSinceRange(chargerId, since);
    const { items } = await queryAll(this.t, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to },
      ConsistentRead: true,
    });
    return items.map(toCall);
  }
}
