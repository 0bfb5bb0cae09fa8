/**
 * The outbox (keys.outbox): durable events other flows consume from the table stream (INSERT). The
 * `charge-finalised` event is written in the same transaction as the finalisation, once per
 * transaction (a create-only put), and expires by TTL.
 */
import type { Finalisation, TxKey } from '../../ports/charges.js';
import type { TransactItem } from './charge-timers.js';
import { keys } from './keys.js';
import { ITEM_ABSENT, ttlAfter } from './support.js';

/** Consumers have long read an event by then; TTL removes it. */
const OUTBOX_RETENTION_SECONDS = 30 * 24 * 3600;

/** The outbox Put of a finalisation, for its transaction. */
export function chargeFinalisedPut(tableName: string, key: TxKey, f: Finalisation): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.outbox('charge-finalised', f.finalisedAt, key.chargerId, key.transactionId),
        entity: 'outbox',
        topic: 'charge-finalised',
        ...f.event,
        expiresAt: ttlAfter(f.finalisedAt, OUTBOX_RETENTION_SECONDS),
      },
      ConditionExpression: ITEM_ABSENT,
    },
  };
}
