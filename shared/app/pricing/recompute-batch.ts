/**
 * Batching: a stream batch is grouped per transaction and the transactions are recomputed a few at
 * a time (recompute-transaction.ts does one). Transactions are independent: one that fails is
 * reported with all its items, so the stream retries them, and the others still complete.
 */
import type { PricingTrigger, TxKey } from '../../ports/charges.js';
import type { PricingDeps } from './deps.js';
import { txKeyString } from './inputs.js';
import { type RecomputeOutcome, recomputeTransaction } from './recompute-transaction.js';

/** A trigger with an id the caller uses to report failures (the stream record's sequence number). */
export interface BatchItem {
  id: string;
  trigger: PricingTrigger;
}

export interface BatchReport {
  /** Ids of the items whose transaction could not be recomputed (to be retried). */
  failedIds: string[];
  outcomes: Record<string, RecomputeOutcome>;
}

/** How many transactions of one batch are recomputed at once. */
const CONCURRENCY = 8;

/**
 * Recomputes every transaction a batch touches. Transactions are independent: one that fails is
 * reported (all its items) and the others still complete.
 */
export async function recomputeBatch(deps: PricingDeps, items: readonly BatchItem[]): Promise<BatchReport> {
  const groups = new Map<string, { key: TxKey; items: BatchItem[] }>();
  for (const item of items) {
    const k = txKeyString(item.trigger.key);
    const group = groups.get(k) ?? { key: item.trigger.key, items: [] };
    group.items.push(item);
    groups.set(k, group);
  }
  const failedIds: string[] = [];
  const outcomes: Record<string, RecomputeOutcome> = {};
  const queue = [...groups.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [k, group] = next;
      try {
        outcomes[k] = await recomputeTransaction(
          deps,
          group.key,
          group.items.map((i) => i.trigger),
        );
      } catch (err) {
        deps.log.error('recompute failed; the stream will retry', {
          chargerId: group.key.chargerId,
          transactionId: group.key.transactionId,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
        failedIds.push(...group.items.map((i) => i.id));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, groups.size) }, worker));
  return { failedIds, outcomes };
}
