/**
 * Recompute of the running charge, driven by the table stream (functions/streams/recompute.ts).
 *
 * Per batch, changes are grouped by transaction; per transaction: one read of the transaction item
 * (its stored aggregate, charge and version), a fold of the new samples (they come with the stream
 * records, so samples already folded are never read again), pricing, and one conditional write
 * (`chargeVersion` must still be the version read). The cost of an update is therefore bounded by
 * the aggregate (O(price segments)), not by the length of the session. One rare path reads the
 * transaction's stored messages: its first recompute, to fold messages that arrived before the
 * transaction item existed (a transaction created from its StopTransaction, `start-missing`).
 *
 * Why this is exact, whatever the order, batching or repetition of the stream:
 * - the aggregate is a join-semilattice (shared/domain/charge-aggregate.ts): folding is
 *   commutative, associative and idempotent, so fold(fold(s, A), B) = fold(fold(s, B), A) and a
 *   repeated sample is a no-op;
 * - a conditional write that loses (another invocation wrote first) re-reads and re-folds the same
 *   samples into the newer aggregate: nothing folded by either writer is lost;
 * - the stored charge is a pure function of (tariff snapshot, aggregate, stop time), so it does not
 *   depend on when the recompute ran either.
 * A LATE, OUT-OF-ORDER sample (queued by a charger that lost its link, even after StopTransaction)
 * is folded like any other: it moves a bucket's first/last/peak/trough only if it is earlier /
 * later / higher / lower than the reading held, or opens the bucket of its price segment, and the
 * charge is re-priced from the buckets. So the charge after it is exactly the charge of all samples
 * priced at once. After StopTransaction each new message also restarts the settle window (see
 * finalise.ts). Only after finalisation is the charge frozen: a sample arriving then is recorded as
 * a discrepancy on the transaction (keyed by message id), never dropped and never repriced.
 *
 * Replays (Lambda retries, duplicate records) change nothing: the fold returns the very same
 * aggregate, the recomputed state equals the stored one and no write is made.
 *
 * The parts: recompute-batch.ts (grouping a batch per transaction), recompute-transaction.ts (the
 * read / conditional write loop), recompute-plan.ts (what to write), cost-cap-policy.ts (when to
 * stop a session) and after-final.ts (discrepancies once the charge is final).
 */

export { MAX_DISCREPANCIES } from './after-final.js';
export { txKeyString } from './inputs.js';
export { type BatchItem, type BatchReport, recomputeBatch } from './recompute-batch.js';
export { type RecomputeOutcome, recomputeTransaction } from './recompute-transaction.js';
