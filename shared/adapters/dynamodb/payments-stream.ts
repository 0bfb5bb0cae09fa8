/**
 * The table stream as payments sees it: Lambda DynamoDB stream records in, payment triggers out.
 * Which records matter (the CDK event source mapping filters the same way, PAYMENTS_STREAM_FILTERS):
 * - a transaction item created with a paid session's idTag: bind it to its session;
 * - a `charge-finalised` outbox event created: capture (or release) the hold;
 * - a receipt outbox item created: send it.
 * Only INSERTs count: each of these is created once, and its later updates (a receipt marked sent,
 * pricing's writes on the transaction) must not trigger anything again.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { isSessionIdTag } from '../../domain/payment-session.js';
import type { ChargeFinalisedEvent } from '../../ports/charges.js';
import type { ReceiptKind, ReceiptRequest } from '../../ports/payments.js';
import { keyOf } from './keys.js';
import { stripKeys } from './support.js';

export type PaymentTrigger =
  | { kind: 'transaction-started'; chargerId: string; transactionId: number; idTag: string }
  | { kind: 'charge-finalised'; event: ChargeFinalisedEvent }
  | { kind: 'receipt'; request: ReceiptRequest };

const RECEIPT_KINDS: readonly ReceiptKind[] = ['pre-auth', 'cancellation', 'transaction', 'refund'];

/** The payment trigger a stream record carries, or why it carries none. */
export function paymentTriggerOf(record: DynamoDBRecord): PaymentTrigger | { ignored: string } {
  if (record.eventName !== 'INSERT') return { ignored: 'not an insert' };
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  const image = record.dynamodb?.NewImage;
  if (pk === undefined || sk === undefined || !image) return { ignored: 'no keys or new image' };
  const item = unmarshall(image as Record<string, AttributeValue>);

  if (keyOf.isTransactionPartition(pk) && keyOf.isTransactionItem(sk)) {
    const { chargerId, transactionId, idTag } = item;
    if (typeof idTag !== 'string' || !isSessionIdTag(idTag)) return { ignored: 'not a paid session' };
    if (typeof chargerId !== 'string' || typeof transactionId !== 'number')
      return { ignored: 'malformed transaction' };
    return { kind: 'transaction-started', chargerId, transactionId, idTag };
  }
  if (keyOf.isChargeFinalisedOutbox(pk)) {
    const { eventId, chargerId, transactionId } = item;
    if (typeof eventId !== 'string' || typeof chargerId !== 'string' || typeof transactionId !== 'number') {
      return { ignored: 'malformed charge-finalised event' };
    }
    // The event without its storage attributes (keys, entity, topic, TTL): one shape for one event.
    const { topic: _topic, expiresAt: _expiresAt, ...event } = stripKeys<Record<string, unknown>>(item);
    return { kind: 'charge-finalised', event: event as unknown as ChargeFinalisedEvent };
  }
  if (keyOf.isReceipt(pk)) {
    const { sessionId, kind, copy, requestedAt } = item;
    if (
      typeof sessionId !== 'string' ||
      !RECEIPT_KINDS.includes(kind as ReceiptKind) ||
      typeof copy !== 'number' ||
      typeof requestedAt !== 'string'
    ) {
      return { ignored: 'malformed receipt' };
    }
    return { kind: 'receipt', request: { sessionId, kind: kind as ReceiptKind, copy, requestedAt } };
  }
  return { ignored: 'not a payments record' };
}
