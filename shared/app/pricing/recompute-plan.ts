/**
 * The plan: from the stored transaction and the new messages, the charge state to write (the
 * fold of the new samples into the stored aggregate, the price, finality and its timer, the cost
 * cap decision, new flags), or null when it equals what is stored, so a replay writes nothing.
 * It reads the clock and logs a warning the first time a flag is set, and makes no other call.
 */
import { isDeepStrictEqual } from 'node:util';
import { analyseEnergy, foldSamples } from '../../domain/charge-aggregate.js';
import { isChargeFinal } from '../../domain/finalisation.js';
import { type EnergySample, mergeSamples, samplesFromMeterValues } from '../../domain/meter.js';
import type { ChargeUpdate, MeterMessage, PricedTransaction } from '../../ports/charges.js';
import { costCapFor } from './cost-cap-policy.js';
import type { PricingDeps } from './deps.js';
import {
  aggregateOf,
  chargeOf,
  epochOf,
  hasFlag,
  keyOf,
  type PricingFlag,
  stopSamples,
  tariffOf,
} from './inputs.js';

export interface Plan {
  update: ChargeUpdate;
  timerDueAt?: number;
}

/** The new charge state, or null when it equals the stored one (nothing to write). */
export function planUpdate(
  deps: Pick<PricingDeps, 'clock' | 'log' | 'settings'>,
  tx: PricedTransaction,
  messages: readonly MeterMessage[],
  stopReceivedCandidate: number | undefined,
  options: { refold?: boolean } = {},
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
  // A refold starts from a new aggregate: `messages` are then every stored message.
  const base = aggregateOf(
    options.refold ? { ...tx, charge: { ...stored, aggregate: undefined } } : tx,
    tariff,
    samples,
  );
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
    (options.refold ? isDeepStrictEqual(stored.aggregate, aggregate) : stored.aggregate === aggregate) &&
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
