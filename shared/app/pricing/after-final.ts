/**
 * After-final handling. Once finalised, a charge is frozen: a sample arriving then is recorded as a
 * discrepancy on the transaction, never dropped and never repriced. Discrepancies are keyed by the
 * message's content identity, as stored meter messages are: a charger reuses message ids after a
 * reboot, so an id alone would hide a new late reading behind an older one.
 */
import { isDeepStrictEqual } from 'node:util';
import { analyseEnergy, foldSamples } from '../../domain/charge-aggregate.js';
import { type EnergySample, samplesFromMeterValues } from '../../domain/meter.js';
import type { Discrepancy, MeterMessage, PricedTransaction } from '../../ports/charges.js';
import { meterMessageIdentity } from '../../ports/transactions.js';
import type { PricingDeps } from './deps.js';
import {
  chargeOf,
  epochOf,
  hasFlag,
  keyOf,
  millisOf,
  type PricingFlag,
  stopSamples,
  tariffOf,
} from './inputs.js';

/** Operator-visible discrepancies kept per transaction (the item must stay far below 400 KB). */
export const MAX_DISCREPANCIES = 200;

/** What a recompute did with data for a final charge: recorded something, or nothing new. */
export type AfterFinalOutcome = 'after-final' | 'after-final-unchanged';

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

/**
 * The charge is final: it never changes again. Messages that reached us only now are recorded as
 * discrepancies (a message received before finalisation whose samples were already folded is not
 * one: that is a replay). A stop that landed after a hold-expiry finalisation is one too, and the
 * transaction's status then moves to `final`.
 */
export async function afterFinal(
  deps: PricingDeps,
  tx: PricedTransaction,
  messages: readonly MeterMessage[],
): Promise<AfterFinalOutcome> {
  const known = tx.charge.discrepancies ?? {};
  const finalisedAt = epochOf(tx.charge.finalisedAt) ?? 0;
  const finalisedAtMs = millisOf(tx.charge.finalisedAt) ?? 0;
  const impact = afterFinalImpact(tx, finalisedAt);
  const entries: Record<string, Discrepancy> = {};
  for (const m of messages) {
    const identity = meterMessageIdentity(m);
    if (known[identity]) continue;
    // Recorded before discrepancies were keyed by content: under its message id, for the same receipt.
    if (known[m.messageId]?.receivedAt === m.receivedAt) continue;
    const { samples } = samplesFromMeterValues(m.meterValue);
    const { changesAggregate, wouldChangeCharge } = impact(samples);
    // Received before finalisation and already in the aggregate: a replay, not a discrepancy. In
    // milliseconds, so a reading received later in the very second of finalisation is recorded; one
    // received in the same millisecond counts as after it (the trail keeps it; it changes nothing).
    if ((millisOf(m.receivedAt) ?? 0) < finalisedAtMs && !changesAggregate) continue;
    entries[identity] = {
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
