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
 */
import { isDeepStrictEqual } from 'node:util';
import { analyseEnergy, foldSamples } from '../../domain/charge-aggregate.js';
import { type CostGrowth, growthBetween, shouldStopForCostCap } from '../../domain/cost-cap.js';
import { isChargeFinal } from '../../domain/finalisation.js';
import { type EnergySample, mergeSamples, samplesFromMeterValues } from '../../domain/meter.js';
import type { Charge } from '../../domain/pricing.js';
import type {
  ChargeUpdate,
  CostCapRecord,
  Discrepancy,
  MeterMessage,
  PricedTransaction,
  PricingTrigger,
  TxKey,
} from '../../ports/charges.js';
import { costCapMarginMinor, type PricingDeps } from './deps.js';
import { aggregateOf, chargeOf, epochOf, type PricingFlag, stopSamples, tariffOf } from './inputs.js';

/** A trigger with an id the caller uses to report failures (the stream record's sequence number). */
export interface BatchItem {
  id: string;
  trigger: PricingTrigger;
}

export type RecomputeOutcome =
  | 'saved'
  | 'unchanged'
  | 'no-transaction'
  | 'after-final'
  | 'after-final-unchanged';

export interface BatchReport {
  /** Ids of the items whose transaction could not be recomputed (to be retried). */
  failedIds: string[];
  outcomes: Record<string, RecomputeOutcome>;
}

/** How many transactions of one batch are recomputed at once. */
const CONCURRENCY = 8;
/** Conflicting writes re-read and re-fold; more than this many in a row fails the batch item. */
const MAX_ATTEMPTS = 8;
/** Operator-visible discrepancies kept per transaction (the item must stay far below 400 KB). */
export const MAX_DISCREPANCIES = 200;
/** Bounds of the meter interval the cost cap looks ahead by (when measured from the samples). */
const MIN_LOOKAHEAD_SECONDS = 60;
const MAX_LOOKAHEAD_SECONDS = 900;

export const txKeyString = (key: TxKey): string => `${key.chargerId}#${key.transactionId}`;

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

/** Recomputes one transaction from the changes a batch brought for it. */
export async function recomputeTransaction(
  deps: PricingDeps,
  key: TxKey,
  triggers: readonly PricingTrigger[],
): Promise<RecomputeOutcome> {
  const messages = new Map<string, MeterMessage>();
  let stopReceivedCandidate: number | undefined;
  for (const t of triggers) {
    if (t.kind === 'meter-values') messages.set(t.message.messageId, t.message);
    else {
      const at = epochOf(t.stopReceivedAt);
      if (at !== undefined) stopReceivedCandidate = Math.min(stopReceivedCandidate ?? at, at);
    }
  }
  let backfilled = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const tx = await deps.charges.load(key);
    if (!tx) {
      // Meter values for a transaction not stored (yet): its item's creation is later in the same
      // shard (same partition key), and its first recompute folds every stored message.
      deps.log.debug('meter values for a transaction that does not exist (yet)', { ...key });
      return 'no-transaction';
    }
    if (tx.charge.finalisedAt !== undefined) return afterFinal(deps, tx, [...messages.values()]);
    if (tx.charge.chargeVersion === 0 && !backfilled) {
      for (const m of await deps.charges.meterMessagesOf(key)) {
        if (!messages.has(m.messageId)) messages.set(m.messageId, m);
      }
      backfilled = true;
    }
    const plan = planUpdate(deps, tx, [...messages.values()], stopReceivedCandidate);
    if (!plan) return 'unchanged';
    const saved = await deps.charges.saveCharge(key, tx.charge.chargeVersion, plan.update, plan.timerDueAt);
    if (saved === 'conflict') {
      deps.log.debug('charge written concurrently; re-reading and re-folding', { ...key, attempt });
      continue;
    }
    if (plan.update.costCap) await sendCostCapStop(deps, key, plan.update.costCap);
    return 'saved';
  }
  throw new Error(`charge of ${txKeyString(key)} kept changing under ${MAX_ATTEMPTS} attempts`);
}

interface Plan {
  update: ChargeUpdate;
  timerDueAt?: number;
}

/** The new charge state, or null when it equals the stored one (nothing to write). */
function planUpdate(
  deps: PricingDeps,
  tx: PricedTransaction,
  messages: readonly MeterMessage[],
  stopReceivedCandidate: number | undefined,
): Plan | null {
  const now = Math.floor(deps.clock.now() / 1000);
  const stored = tx.charge;
  const tariffOutcome = tariffOf(tx);
  const tariff = tariffOutcome.tariff;
  const addFlags = new Set<PricingFlag>();
  if (tariffOutcome.problem) {
    if (tariffOutcome.problem === 'tariff-invalid' && !hasFlag(tx, 'tariff-invalid')) {
      deps.log.error('tariff snapshot is invalid; pricing energy only', {
        ...keyOf(tx),
        error: tariffOutcome.message,
      });
    }
    addFlags.add(tariffOutcome.problem);
  }

  const lists: EnergySample[][] = [stopSamples(tx)];
  let lastSampleReceivedAt = stored.lastSampleReceivedAt;
  for (const m of messages) {
    const normalised = samplesFromMeterValues(m.meterValue);
    lists.push(normalised.samples);
    if (normalised.skipped.some((s) => s.reason !== 'per-phase')) {
      if (!hasFlag(tx, 'unusable-energy-values')) {
        deps.log.warn('energy values that cannot be used (kept in the meter values item)', {
          ...keyOf(tx),
          messageId: m.messageId,
          skipped: normalised.skipped,
        });
      }
      addFlags.add('unusable-energy-values');
    }
    const receivedAt = epochOf(m.receivedAt);
    if (
      receivedAt !== undefined &&
      (lastSampleReceivedAt === undefined || receivedAt > lastSampleReceivedAt)
    ) {
      lastSampleReceivedAt = receivedAt;
    }
  }
  const samples = mergeSamples(...lists);
  const base = aggregateOf(tx, tariff, samples);
  const aggregate = foldSamples(base, samples);
  const charge = tariff ? chargeOf(tariff, aggregate, tx) : undefined;
  const energyMilliWh = charge ? charge.energyMilliWh : analyseEnergy(aggregate).totalMilliWh;

  let stopReceivedAt = stored.stopReceivedAt;
  if (stopReceivedAt === undefined && tx.stoppedAt !== undefined) {
    stopReceivedAt = stopReceivedCandidate ?? epochOf(tx.updatedAt) ?? now;
  }
  const finality = isChargeFinal({
    stoppedAt: stopReceivedAt ?? null,
    meterStopKnown: tx.meterStop !== undefined,
    lastSampleReceivedAt: lastSampleReceivedAt ?? null,
    now,
    settleWindowSeconds: deps.settings.settleWindowSeconds,
    holdExpiresAt: tx.holdExpiresAt ?? null,
    holdSafetySeconds: deps.settings.holdSafetySeconds,
  });
  // Already final: due now (a timer already due stays as it is, so a replay writes nothing).
  const due = finality.final
    ? Math.min(stored.finaliseDueAt ?? now, now)
    : (finality.checkAgainAt ?? stored.finaliseDueAt);

  const costCap = costCapFor(deps, tx, charge, now);
  const newFlags = [...addFlags].filter((f) => !hasFlag(tx, f));

  const update: ChargeUpdate = {
    aggregate,
    ...(charge ? { charge } : {}),
    energyMilliWh,
    ...(lastSampleReceivedAt !== undefined ? { lastSampleReceivedAt } : {}),
    ...(stopReceivedAt !== undefined ? { stopReceivedAt } : {}),
    ...(due !== undefined ? { finaliseDueAt: due } : {}),
    ...(costCap ? { costCap } : {}),
    addFlags: newFlags,
  };
  const unchanged =
    stored.chargeVersion > 0 &&
    newFlags.length === 0 &&
    !costCap &&
    stored.aggregate === aggregate &&
    isDeepStrictEqual(stored.charge, update.charge) &&
    stored.energyMilliWh === energyMilliWh &&
    stored.lastSampleReceivedAt === update.lastSampleReceivedAt &&
    stored.stopReceivedAt === update.stopReceivedAt &&
    stored.finaliseDueAt === update.finaliseDueAt;
  if (unchanged) return null;
  return {
    update,
    ...(due !== undefined && due !== stored.finaliseDueAt ? { timerDueAt: due } : {}),
  };
}

const hasFlag = (tx: PricedTransaction, flag: PricingFlag): boolean =>
  tx.charge.chargeFlags?.includes(flag) ?? false;

const keyOf = (tx: TxKey): TxKey => ({ chargerId: tx.chargerId, transactionId: tx.transactionId });

/**
 * Cost cap: stop when the charge, projected one meter interval ahead, would pass the pre-auth
 * amount less the margin. Growth is what the charge gained since the stored charge (per second of
 * session time); when this update adds no session time (a late sample from the middle), the
 * average since the start is used instead (it includes flat fees, so it errs on the side of
 * stopping). The look-ahead is the observed gap between samples, bounded to 60..900 s.
 */
function costCapFor(
  deps: PricingDeps,
  tx: PricedTransaction,
  charge: Charge | undefined,
  now: number,
): CostCapRecord | undefined {
  if (
    !charge ||
    tx.status !== 'active' ||
    tx.stoppedAt !== undefined ||
    tx.preAuthAmountMinor === undefined
  ) {
    return undefined;
  }
  const claimed = tx.charge.costCap;
  if (claimed) {
    // A stop that could not be sent (charger briefly offline) is tried again with the next update,
    // since the session keeps running up to the hold meanwhile. The decision itself stands.
    const attempts = claimed.attempts ?? 1;
    if (claimed.status !== 'send-failed' || attempts >= MAX_COST_CAP_SENDS) return undefined;
    const { error: _lastError, ...decision } = claimed;
    return { ...decision, status: 'requested', attempts: attempts + 1 };
  }
  const previous = tx.charge.charge;
  let growth: CostGrowth;
  let interval = MIN_LOOKAHEAD_SECONDS;
  if (previous && previous.endedAt < charge.endedAt) {
    growth = growthBetween(previous, charge);
    interval = charge.endedAt - previous.endedAt;
  } else if (charge.endedAt > charge.startedAt) {
    growth = {
      kind: 'last-interval',
      grossMinor: charge.totals.grossMinor,
      seconds: charge.endedAt - charge.startedAt,
    };
  } else {
    growth = { kind: 'rate', grossMinorPerHour: 0 };
  }
  interval = Math.min(Math.max(interval, MIN_LOOKAHEAD_SECONDS), MAX_LOOKAHEAD_SECONDS);
  const decision = shouldStopForCostCap({
    charge,
    growth,
    intervalSeconds: interval,
    preAuthAmountMinor: tx.preAuthAmountMinor,
    marginMinor: costCapMarginMinor(tx.preAuthAmountMinor, deps.settings.costCapMargin),
  });
  if (!decision.stop || decision.reason === 'within-limit') return undefined;
  return {
    stoppedAt: new Date(now * 1000).toISOString(),
    reason: decision.reason,
    projectedGrossMinor: decision.projectedGrossMinor,
    limitMinor: decision.limitMinor,
    preAuthAmountMinor: tx.preAuthAmountMinor,
    status: 'requested',
    attempts: 1,
  };
}

/** After this many failed sends the stop is left to the operator (the record says send-failed). */
const MAX_COST_CAP_SENDS = 5;

/**
 * Sends the stop the cost cap claimed. Only the invocation whose conditional write recorded the
 * cost cap gets here, so a retry or a duplicate record never sends it twice (at most once: if this
 * invocation dies between the write and the send, the record stays `requested` for an operator).
 */
async function sendCostCapStop(deps: PricingDeps, key: TxKey, costCap: CostCapRecord): Promise<void> {
  deps.log.info('cost cap reached; stopping the session', { ...key, ...costCap });
  try {
    const { messageId } = await deps.commands.remoteStop(key);
    await deps.charges.recordCostCapOutcome(key, { status: 'sent', messageId });
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    deps.log.error('could not send the cost cap stop', { ...key, error });
    await deps.charges.recordCostCapOutcome(key, { status: 'send-failed', error });
  }
}

/**
 * The charge is final: it never changes again. Messages that reached us only now are recorded as
 * discrepancies (a message received before finalisation whose samples were already folded is not
 * one: that is a replay). A stop that landed after a hold-expiry finalisation is one too, and the
 * transaction's status then moves to `final`.
 */
/** What folding late samples into a final charge would change (it is never done). */
function afterFinalImpact(tx: PricedTransaction, finalisedAt: number) {
  const aggregate = tx.charge.aggregate;
  const { tariff } = tariffOf(tx);
  return (samples: readonly EnergySample[]): { changesAggregate: boolean; wouldChangeCharge: boolean } => {
    if (!aggregate) return { changesAggregate: samples.length > 0, wouldChangeCharge: samples.length > 0 };
    const folded = foldSamples(aggregate, samples);
    if (folded === aggregate && tx.stoppedAt === undefined)
      return { changesAggregate: false, wouldChangeCharge: false };
    const wouldChangeCharge = tariff
      ? !isDeepStrictEqual(chargeOf(tariff, folded, tx, finalisedAt), tx.charge.charge)
      : analyseEnergy(folded).totalMilliWh !== tx.charge.energyMilliWh;
    return { changesAggregate: folded !== aggregate, wouldChangeCharge };
  };
}

async function afterFinal(
  deps: PricingDeps,
  tx: PricedTransaction,
  messages: readonly MeterMessage[],
): Promise<RecomputeOutcome> {
  const known = tx.charge.discrepancies ?? {};
  const finalisedAt = epochOf(tx.charge.finalisedAt) ?? 0;
  const impact = afterFinalImpact(tx, finalisedAt);
  const entries: Record<string, Discrepancy> = {};
  for (const m of messages) {
    if (known[m.messageId]) continue;
    const { samples } = samplesFromMeterValues(m.meterValue);
    const { changesAggregate, wouldChangeCharge } = impact(samples);
    // Received before finalisation and already in the aggregate: a replay, not a discrepancy.
    if ((epochOf(m.receivedAt) ?? 0) <= finalisedAt && !changesAggregate) continue;
    entries[m.messageId] = {
      kind: 'sample-after-final',
      messageId: m.messageId,
      receivedAt: m.receivedAt,
      samples: samples.length,
      wouldChangeCharge,
    };
  }
  if (tx.stoppedAt !== undefined && tx.charge.finalReason === 'hold-expiring' && tx.stopMessageId) {
    if (!known[tx.stopMessageId]) {
      const samples = stopSamples(tx);
      entries[tx.stopMessageId] = {
        kind: 'stop-after-final',
        messageId: tx.stopMessageId,
        receivedAt: tx.updatedAt ?? new Date(deps.clock.now()).toISOString(),
        samples: samples.length,
        wouldChangeCharge: impact(samples).wouldChangeCharge,
        detail: `meterStop ${tx.meterStop} Wh at ${tx.stoppedAt}`,
      };
    }
  }
  const markFinal = tx.status === 'stopped';
  let ids = Object.keys(entries).sort();
  const room = Math.max(MAX_DISCREPANCIES - Object.keys(known).length, 0);
  const flags: PricingFlag[] = [];
  if (ids.length > 0 && !hasFlag(tx, 'sample-after-final')) flags.push('sample-after-final');
  if (ids.length > room) {
    deps.log.error('too many discrepancies on one transaction; the rest are only logged', {
      ...keyOf(tx),
      dropped: ids.slice(room).map((id) => entries[id]),
    });
    ids = ids.slice(0, room);
  }
  if (ids.length === 0 && !markFinal && flags.length === 0) return 'after-final-unchanged';
  const kept = Object.fromEntries(ids.map((id) => [id, entries[id] as Discrepancy]));
  if (ids.length > 0)
    deps.log.warn('meter data after the charge was final; recorded as discrepancies', { ...keyOf(tx), ids });
  await deps.charges.recordAfterFinal(keyOf(tx), kept, markFinal, flags);
  return 'after-final';
}
