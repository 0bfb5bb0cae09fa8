/**
 * One transaction's recompute: read the transaction item, plan the new charge state
 * (recompute-plan.ts), write it only if `chargeVersion` is still the version read, and on a lost
 * race read again and re-fold the same samples into the newer aggregate (nothing folded by either
 * writer is lost). A final charge is never repriced: late data goes to after-final.ts. Only the
 * invocation whose write recorded a cost cap sends the stop (cost-cap-policy.ts).
 *
 * Bad data never throws out of here: planning is pure computation over what was read, so if it
 * fails on this transaction's data it fails the same way on every retry, and a retried stream
 * record holds up every record behind it in its shard. Such a transaction is flagged
 * `pricing-input-invalid` for the operator and left unpriced; only I/O errors (reads, writes)
 * reach the stream's retry.
 */
import type { MeterMessage, PricedTransaction, PricingTrigger, TxKey } from '../../ports/charges.js';
import { meterMessageIdentity } from '../../ports/transactions.js';
import { type AfterFinalOutcome, afterFinal } from './after-final.js';
import { sendCostCapStop } from './cost-cap-policy.js';
import type { PricingDeps } from './deps.js';
import { epochOf, hasFlag, keyOf, txKeyString } from './inputs.js';
import { meterMessageFlags } from './meter-message-flags.js';
import { type Plan, planUpdate } from './recompute-plan.js';

export type RecomputeOutcome = 'saved' | 'unchanged' | 'no-transaction' | 'flagged' | AfterFinalOutcome;

/** Conflicting writes re-read and re-fold; more than this many in a row fails the batch item. */
const MAX_ATTEMPTS = 8;

/** Recomputes one transaction from the changes a batch brought for it. */
export async function recomputeTransaction(
  deps: PricingDeps,
  key: TxKey,
  triggers: readonly PricingTrigger[],
): Promise<RecomputeOutcome> {
  const messages = new Map<string, MeterMessage>();
  const labelled = new Map<string, readonly string[]>();
  let stopReceivedCandidate: number | undefined;
  for (const t of triggers) {
    // By content, not message id: a rebooted charger reuses ids for new readings.
    if (t.kind === 'meter-values') {
      const identity = meterMessageIdentity(t.message);
      messages.set(identity, t.message);
      if (t.flags) labelled.set(identity, t.flags);
    } else {
      const at = epochOf(t.stopReceivedAt);
      if (at !== undefined) stopReceivedCandidate = Math.min(stopReceivedCandidate ?? at, at);
    }
  }
  let backfilled = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const tx = await deps.charges.load(key);
    if (attempt === 1) await flagMeterMessages(deps, key, tx, messages, labelled);
    if (!tx) {
      // Meter values for a transaction not stored (yet): its item's creation is later in the same
      // shard (same partition key), and its first recompute folds every stored message.
      deps.log.debug('meter values for a transaction that does not exist (yet)', { ...key });
      return 'no-transaction';
    }
    if (tx.charge.finalisedAt !== undefined) return afterFinal(deps, tx, [...messages.values()]);
    // A stop replaced after it was folded (stop-replaced-by-charger, v16/superseded-start.ts) left the
    // platform's stop reading in the aggregate, which only ever adds readings: fold afresh from every
    // stored message until the charge is final (rare, and a stopped session gets few recomputes).
    const refold = tx.flags.includes('stop-replaced-by-charger');
    if ((tx.charge.chargeVersion === 0 || refold) && !backfilled) {
      for (const m of await deps.charges.meterMessagesOf(key)) {
        const identity = meterMessageIdentity(m);
        if (!messages.has(identity)) messages.set(identity, m);
      }
      backfilled = true;
    }
    let plan: Plan | null;
    try {
      plan = planUpdate(deps, tx, [...messages.values()], stopReceivedCandidate, { refold });
    } catch (err) {
      return flagUnpriceable(deps, tx, err);
    }
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

/**
 * Labels this batch's meter messages the way OCPP did before it stopped reading the transaction
 * (meter-message-flags.ts). A replayed record whose image shows the labels writes nothing; one
 * without (a retried INSERT) labels again to the same effect. Only the messages that arrived in the
 * batch: backfilled ones were labelled by their own records.
 */
async function flagMeterMessages(
  deps: PricingDeps,
  key: TxKey,
  tx: PricedTransaction | undefined,
  messages: ReadonlyMap<string, MeterMessage>,
  labelled: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  for (const [identity, message] of messages) {
    const flags = meterMessageFlags(tx, message);
    const has = labelled.get(identity) ?? [];
    if (flags.some((f) => !has.includes(f))) await deps.charges.flagMeterMessage(key, message, flags);
  }
}

/** Sets the transaction before the operator instead of failing its stream records again and again. */
async function flagUnpriceable(deps: PricingDeps, tx: PricedTransaction, err: unknown): Promise<'flagged'> {
  const error = err instanceof Error ? { name: err.name, message: err.message } : String(err);
  if (hasFlag(tx, 'pricing-input-invalid')) {
    deps.log.warn('transaction still cannot be priced; left flagged', { ...keyOf(tx), error });
    return 'flagged';
  }
  deps.log.error('transaction cannot be priced from its stored data; flagged for the operator', {
    ...keyOf(tx),
    error,
  });
  await deps.charges.flagCharge(keyOf(tx), ['pricing-input-invalid']);
  return 'flagged';
}
