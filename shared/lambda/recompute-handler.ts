/**
 * The table stream handler's body, at the edge: the adapter (charge-stream.ts) turns each record
 * into a pricing trigger, the body runs one recompute batch and reports the records of the
 * transactions that failed as batchItemFailures, so that Lambda (or the local poller) retries from
 * the first of them. Everything the retry re-delivers is idempotent. functions/streams/recompute.ts
 * wraps it with middy and the container's deps; tests and the bench build it over any deps.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { triggerOf } from '../adapters/dynamodb/charge-stream.js';
import type { PricingDeps } from '../app/pricing/deps.js';
import { type BatchItem, recomputeBatch } from '../app/pricing/recompute.js';

export function createRecomputeHandler(getDeps: () => PricingDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const deps = getDeps();
    const items: BatchItem[] = [];
    for (const [index, record] of event.Records.entries()) {
      const id = record.dynamodb?.SequenceNumber ?? String(index);
      const trigger = triggerOf(record);
      if ('ignored' in trigger) {
        if (trigger.ignored.startsWith('malformed') || trigger.ignored.startsWith('item without')) {
          deps.log.error('stream record cannot be priced', {
            id,
            reason: trigger.ignored,
            keys: record.dynamodb?.Keys,
          });
        }
        continue;
      }
      items.push({ id, trigger });
    }
    if (items.length === 0) return { batchItemFailures: [] };
    const { failedIds } = await recomputeBatch(deps, items);
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
