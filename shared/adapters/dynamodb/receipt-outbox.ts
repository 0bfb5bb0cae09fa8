/**
 * Receipts owed to drivers (keys.ts `keys.receipt`: one partition per session, a sort key per kind and copy). The key is the
 * receipt's identity, so queueing it twice writes it once; the item's INSERT on the table stream
 * is what sends it (functions/streams/payments.ts), and `sentAt` marks it done.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReceiptOutbox, ReceiptRecord, ReceiptRequest } from '../../ports/payments.js';
import { keys, partitions } from './keys.js';
import { Expression, putIfAbsent, queryAll, stripKeys, type TableContext } from './support.js';

/** Code-unit order (ISO-8601 instants sort as time); `localeCompare` would follow the locale. */
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class DynamoReceiptOutbox implements ReceiptOutbox {
  constructor(private readonly t: TableContext) {}

  async enqueue(request: ReceiptRequest): Promise<'queued' | 'duplicate'> {
    const outcome = await putIfAbsent(this.t, {
      ...keys.receipt(request.sessionId, request.kind, request.copy),
      entity: 'receipt',
      ...request,
    });
    return outcome === 'created' ? 'queued' : 'duplicate';
  }

  private async mark(request: ReceiptRequest, fields: Record<string, string>): Promise<void> {
    const e = new Expression().setAll(fields).when('attribute_exists(pk)');
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.receipt(request.sessionId, request.kind, request.copy),
        ...e.params(),
      }),
    );
  }

  markSent(request: ReceiptRequest, messageId: string, sentAt: string): Promise<void> {
    return this.mark(request, { messageId, sentAt });
  }

  markFailed(request: ReceiptRequest, failure: string, failedAt: string): Promise<void> {
    return this.mark(request, { failure, failedAt });
  }

  async ofSession(sessionId: string): Promise<ReceiptRecord[]> {
    // The whole partition: every item in it is one of the session's receipts.
    const { items } = await queryAll(this.t, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitions.receiptsOfSession(sessionId) },
      ConsistentRead: true,
    });
    return items
      .map((i) => stripKeys<ReceiptRecord>(i))
      .sort(
        (a, b) =>
          compareStrings(a.requestedAt, b.requestedAt) || a.copy - b.copy || compareStrings(a.kind, b.kind),
      );
  }
}
