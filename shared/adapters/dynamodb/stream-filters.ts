/**
 * Which table stream records each consumer is invoked for: the event source mappings' filter
 * patterns, written once. The CDK stack hands them to Lambda (lib/stateless-stack.ts) and the local
 * stream poller applies them itself (local/stream-poller.ts), so a record the mapping drops in AWS
 * costs no invocation locally either, and the cost model (test/bench/cost-model.ts) counts what AWS
 * would bill.
 *
 * Lambda bills no invocation for a record its filter drops, so the filters are a cost lever as much
 * as a correctness one: the recompute's own writes on the transaction item must not come back to it.
 * They change no pricing input (charge-stream.ts `PRICING_INPUTS`), and the handler would ignore them,
 * but only after paying for an invocation. A filter cannot compare a record's old and new images, so
 * the writers say it themselves: a write that changes a pricing input marks the transaction
 * `repriceDue` (keys.ts `REPRICE_DUE`), and the recompute's writes remove the mark. A MODIFY of the
 * transaction item reaches the recompute only while the mark is there.
 */
import { SESSION_ID_TAG_PREFIX } from '../../domain/payment-session.js';
import { paymentsStreamKeys, REPRICE_DUE, recomputeStreamKeys } from './keys.js';

/**
 * A Lambda event filter pattern (the EventBridge pattern subset Lambda supports): nested objects
 * down to leaves, each leaf a list of alternatives.
 */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly FilterLeaf[] };
export type FilterLeaf =
  | string
  | number
  | null
  | { readonly prefix: string }
  | { readonly exists: boolean }
  | { readonly 'anything-but': readonly (string | number)[] };

const transactionItem = {
  pk: { S: [{ prefix: recomputeStreamKeys.transactionPartitionPrefix }] },
  sk: { S: [recomputeStreamKeys.transactionSortKey] },
} as const;

/**
 * The recompute's records: every stored meter message (its creation: OCPP writes it once, and the
 * recompute's own flag on it, meter-message-flags.ts, must not come back); the transaction item
 * when it is created, and when it is modified by a write that marked it `repriceDue` (never by the
 * recompute's own).
 */
export const RECOMPUTE_FILTER_PATTERNS: readonly FilterPattern[] = [
  {
    eventName: ['INSERT'],
    dynamodb: {
      Keys: {
        pk: { S: [{ prefix: recomputeStreamKeys.transactionPartitionPrefix }] },
        sk: { S: [{ prefix: recomputeStreamKeys.meterValuesSortKeyPrefix }] },
      },
    },
  },
  { eventName: ['INSERT'], dynamodb: { Keys: transactionItem } },
  {
    eventName: ['MODIFY'],
    dynamodb: { Keys: transactionItem, NewImage: { [REPRICE_DUE]: { S: [{ exists: true }] } } },
  },
];

/**
 * The payments consumer's records (payments-stream.ts reads the same ones), INSERTs only: a
 * transaction started with a paid session's idTag, a `charge-finalised` event, a receipt owed.
 */
export const PAYMENTS_FILTER_PATTERNS: readonly FilterPattern[] = [
  {
    eventName: ['INSERT'],
    dynamodb: {
      Keys: {
        pk: { S: [{ prefix: paymentsStreamKeys.transactionPartitionPrefix }] },
        sk: { S: [paymentsStreamKeys.transactionSortKey] },
      },
      NewImage: { idTag: { S: [{ prefix: SESSION_ID_TAG_PREFIX }] } },
    },
  },
  {
    eventName: ['INSERT'],
    dynamodb: { Keys: { pk: { S: [paymentsStreamKeys.chargeFinalisedPartition] } } },
  },
  {
    eventName: ['INSERT'],
    dynamodb: { Keys: { pk: { S: [{ prefix: paymentsStreamKeys.receiptPartitionPrefix }] } } },
  },
];

/**
 * Whether a Lambda stream record (its JSON shape) passes any of `patterns`, as Lambda decides it.
 * Written here because no package evaluates Lambda's filter dialect; it knows exactly the operators
 * above and refuses any other, so a pattern it cannot evaluate fails loudly instead of passing.
 */
export function passesFilters(record: unknown, patterns: readonly FilterPattern[]): boolean {
  return patterns.some((pattern) => matchesObject(record, pattern));
}

function matchesObject(value: unknown, pattern: FilterPattern): boolean {
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([field, sub]) =>
    Array.isArray(sub)
      ? matchesLeaf(object[field], sub as readonly FilterLeaf[])
      : matchesObject(object[field], sub as FilterPattern),
  );
}

function matchesLeaf(value: unknown, alternatives: readonly FilterLeaf[]): boolean {
  // A list in the record matches when any of its elements does, as in EventBridge patterns.
  const values = Array.isArray(value) ? value : [value];
  return alternatives.some((alternative) => {
    if (alternative === null || typeof alternative !== 'object') {
      return values.some((v) => v === alternative);
    }
    if ('prefix' in alternative) {
      return values.some((v) => typeof v === 'string' && v.startsWith(alternative.prefix));
    }
    if ('exists' in alternative) return (value !== undefined) === alternative.exists;
    if ('anything-but' in alternative) {
      return values.some(
        (v) => (typeof v === 'string' || typeof v === 'number') && !alternative['anything-but'].includes(v),
      );
    }
    throw new Error(`stream filter operator not supported: ${JSON.stringify(alternative)}`);
  });
}
