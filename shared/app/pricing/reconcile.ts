/**
 * The reconciliation sweep: the safety net under the stream. The recompute normally runs once per
 * stream record, but a record can be missed on a bad day: dead-lettered after its retries, read
 * past by a consumer restarted at the wrong place, or aged out of the stream (24 h) while the
 * consumer was down. A charge left behind by any of these would stay stale and be finalised stale.
 *
 * So, on a schedule (functions/schedules/finaliser.ts), the sweep walks the transactions whose
 * charge is not final (in DynamoDB a sparse index lists exactly those, so the sweep reads nothing
 * else; shared/adapters/dynamodb/charge-repository.ts `unfinalisedTransactions`), a few pages per run (the cursor is kept in the table between runs, so one
 * run stays small however large the table is), and re-folds each over every meter message stored
 * for it and its stored start/stop (the same recompute the stream runs). The fold is idempotent:
 * a charge that already has everything comes back `unchanged` and nothing is written; a stale one
 * is written (`saved`), with its finaliser timer, as if the missed record had arrived now.
 * A transaction written to in the last `graceSeconds` is left to the stream, which is on it: the
 * sweep is for what the stream has given up on, and must not race it on every live session.
 */
import type { MeterMessage, PricingTrigger, TxKey } from '../../ports/charges.js';
import type { PricingDeps } from './deps.js';
import { epochOf } from './inputs.js';
import { type RecomputeOutcome, recomputeTransaction } from './recompute-transaction.js';

export interface ReconcileReport {
  /** Unfinalised transactions looked at in this run. */
  examined: number;
  /** Charges that were stale and were re-folded. */
  refolded: number;
  /** Written to within the grace period: left to the stream this time. */
  recent: number;
  failed: number;
  /** True when this run reached the end of the table (the next run starts over). */
  passComplete: boolean;
}

export interface ReconcileOptions {
  /** Items read per page (the `Limit` of the index query, or of the one-time Scan that builds the index). */
  pageSize?: number;
  /** Pages per run: with `pageSize`, bounds the items one run reads. */
  maxPages?: number;
  /** A transaction with a write (stop, meter values) this recent is left to the stream. */
  graceSeconds?: number;
}

const DEFAULT_PAGE_SIZE = 200;
const DEFAULT_MAX_PAGES = 5;
/** Well past a stream batch's retries with backoff locally, and past a few Lambda retries. */
export const DEFAULT_RECONCILE_GRACE_SECONDS = 120;

/** Re-folds, from its stored messages, every unfinalised charge in the next few pages of the table. */
export async function reconcileCharges(
  deps: PricingDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const graceSeconds = options.graceSeconds ?? DEFAULT_RECONCILE_GRACE_SECONDS;
  const report: ReconcileReport = { examined: 0, refolded: 0, recent: 0, failed: 0, passComplete: false };
  let cursor = await deps.charges.loadReconcileCursor();
  for (let page = 0; page < maxPages; page++) {
    const out = await deps.charges.unfinalisedTransactions(cursor, pageSize);
    for (const key of out.keys) {
      report.examined++;
      try {
        const outcome = await reconcileTransaction(deps, key, graceSeconds);
        if (outcome === 'saved') report.refolded++;
        else if (outcome === 'recent') report.recent++;
      } catch (err) {
        // One transaction's trouble must not hold up the rest; the next pass looks again.
        report.failed++;
        deps.log.error('could not reconcile a charge; the next pass retries', {
          ...key,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
      }
    }
    cursor = out.cursor;
    if (cursor === undefined) {
      report.passComplete = true;
      break;
    }
  }
  await deps.charges.saveReconcileCursor(cursor);
  if (report.refolded > 0 || report.failed > 0) deps.log.warn('reconciled stale charges', { ...report });
  return report;
}

/** One transaction: the recompute over everything stored for it, as if every record came again. */
async function reconcileTransaction(
  deps: PricingDeps,
  key: TxKey,
  graceSeconds: number,
): Promise<RecomputeOutcome | 'recent'> {
  const tx = await deps.charges.load(key);
  if (!tx) return 'no-transaction';
  const now = Math.floor(deps.clock.now() / 1000);
  const recent = (at: number) => now - at < graceSeconds;
  // The transaction's own writes first: a live session is usually skipped without reading its messages.
  if (recent(Math.max(epochOf(tx.updatedAt) ?? 0, epochOf(tx.createdAt) ?? 0))) return 'recent';
  const messages: MeterMessage[] = await deps.charges.meterMessagesOf(key);
  if (recent(Math.max(0, ...messages.map((m) => epochOf(m.receivedAt) ?? 0)))) return 'recent';
  const triggers: PricingTrigger[] = [
    // The transaction's own change: picks up a stop whose stream record was missed (its receive
    // time is then the item's updatedAt, as the recompute does when no record names it).
    { kind: 'transaction', key },
    ...messages.map((message): PricingTrigger => ({ kind: 'meter-values', key, message })),
  ];
  return recomputeTransaction(deps, key, triggers);
}
