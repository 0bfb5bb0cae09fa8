/**
 * Cost cap policy: when a running session must be stopped so that its charge stays within the
 * card hold (domain/cost-cap.ts decides from the projection), and sending that stop once.
 */
import { type CostGrowth, growthBetween, shouldStopForCostCap } from '../../domain/cost-cap.js';
import type { Charge } from '../../domain/pricing.js';
import type { CostCapRecord, PricedTransaction, TxKey } from '../../ports/charges.js';
import { costCapMarginMinor, type PricingDeps } from './deps.js';

/** Bounds of the meter interval the cost cap looks ahead by (when measured from the samples). */
const MIN_LOOKAHEAD_SECONDS = 60;
const MAX_LOOKAHEAD_SECONDS = 900;
/** After this many failed sends the stop is left to the operator (the record says send-failed). */
const MAX_COST_CAP_SENDS = 5;

/**
 * Cost cap: stop when the charge, projected one meter interval ahead, would pass the pre-auth
 * amount less the margin. Growth is what the charge gained since the stored charge (per second of
 * session time); when this update adds no session time (a late sample from the middle), the
 * average since the start is used instead (it includes flat fees, so it errs on the side of
 * stopping). The look-ahead is the observed gap between samples, bounded to 60..900 s.
 */
export function costCapFor(
  deps: Pick<PricingDeps, 'settings'>,
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

/**
 * Sends the stop the cost cap claimed. Only the invocation whose conditional write recorded the
 * cost cap gets here, so a retry or a duplicate record never sends it twice (at most once: if this
 * invocation dies between the write and the send, the record stays `requested` for an operator).
 */
export async function sendCostCapStop(deps: PricingDeps, key: TxKey, costCap: CostCapRecord): Promise<void> {
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
