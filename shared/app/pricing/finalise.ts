/**
 * Finalisation, run on a schedule (functions/schedules/finaliser.ts; EventBridge every minute).
 *
 * Finding due transactions without a scan: whenever the recompute computes when a transaction
 * could next become final (the settle deadline after StopTransaction, restarted by every later
 * sample; or the card hold's safety deadline), it writes a TIMER ITEM for that instant in the same
 * transaction as the charge (shared/adapters/dynamodb/keys.ts `chargeTimer`: pk `SETTLE#<shard>`,
 * sk `<dueAt>#<chargerId>#<txId>`) and records the instant on the transaction (`finaliseDueAt`).
 * The finaliser queries each shard for `sk <= now` and, per timer, re-reads the transaction and
 * asks the domain (isChargeFinal, on the platform's receive times) whether it is final:
 * - final: one TransactWriteItems sets `finalisedAt`, the final charge, `status: 'final'` (once the
 *   session has stopped), writes the outbox item (keys.ts `keys.outbox`, topic `charge-finalised`) that payments
 *   consume from the stream, and deletes the timer. It is conditional on the charge version and on
 *   the charge not being final yet, so the event is written exactly once, atomically with the
 *   charge it carries; a concurrent recompute makes it lose and the next run looks again;
 * - not final yet (a later sample restarted the window): the timer is stale; it is deleted when the
 *   transaction already names a later timer, else moved to the new instant.
 * A timer left by a failed run is simply found again by the next one.
 *
 * Hold expiry: payments put `holdExpiresAt` on the transaction (a pricing input, so the recompute
 * schedules a timer at holdExpiresAt - holdSafetySeconds). When it fires the charge is finalised on
 * the data at hand, even if the session is still running; it is then asked to stop
 * (RemoteStopTransaction) and keeps status `active` until its StopTransaction lands, which is
 * recorded as a `stop-after-final` discrepancy.
 */
import { isChargeFinal } from '../../domain/finalisation.js';
import type {
  ChargeFinalisedEvent,
  ChargeTimer,
  Finalisation,
  PricedTransaction,
} from '../../ports/charges.js';
import type { PricingDeps } from './deps.js';
import { chargeOf, tariffOf, txKeyString } from './inputs.js';

export interface FinaliserReport {
  examined: number;
  finalised: number;
  rescheduled: number;
  dropped: number;
  conflicts: number;
  failed: number;
}

export type TimerOutcome = 'finalised' | 'rescheduled' | 'dropped' | 'conflict';

const CONCURRENCY = 4;

/** Finalises every transaction whose timer is due; `limit` bounds one run (the next run continues). */
export async function finaliseDueCharges(
  deps: PricingDeps,
  options: { limit?: number } = {},
): Promise<FinaliserReport> {
  const now = Math.floor(deps.clock.now() / 1000);
  const timers = await deps.charges.dueTimers(now, options.limit ?? 500);
  const report: FinaliserReport = {
    examined: timers.length,
    finalised: 0,
    rescheduled: 0,
    dropped: 0,
    conflicts: 0,
    failed: 0,
  };
  const queue = [...timers];
  const worker = async () => {
    for (let timer = queue.shift(); timer; timer = queue.shift()) {
      try {
        const outcome = await finaliseTimer(deps, timer, now);
        if (outcome === 'conflict') report.conflicts++;
        else report[outcome]++;
      } catch (err) {
        report.failed++;
        deps.log.error('could not finalise; the next run retries', {
          ...timer.key,
          dueAt: timer.dueAt,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, timers.length) }, worker));
  if (report.examined > 0) deps.log.info('finaliser run', { ...report });
  return report;
}

/** Handles one due timer (see the module comment). */
export async function finaliseTimer(
  deps: PricingDeps,
  timer: ChargeTimer,
  now: number,
): Promise<TimerOutcome> {
  // The instant the inputs are read, to the millisecond: a reading received later is after the
  // final charge (after-final.ts compares receive times with it), even in the same second.
  const finalisedAtMs = deps.clock.now();
  const tx = await deps.charges.load(timer.key);
  if (!tx || tx.charge.finalisedAt !== undefined || !tx.charge.aggregate) {
    // Nothing to finalise (gone, already final, or never priced: the recompute writes the
    // aggregate and the timer together, so the last is a stray timer).
    await deps.charges.deleteTimer(timer);
    return 'dropped';
  }
  const finality = isChargeFinal({
    stoppedAt: tx.charge.stopReceivedAt ?? null,
    meterStopKnown: tx.meterStop !== undefined,
    lastSampleReceivedAt: tx.charge.lastSampleReceivedAt ?? null,
    now,
    settleWindowSeconds: deps.settings.settleWindowSeconds,
    holdExpiresAt: tx.holdExpiresAt ?? null,
    holdSafetySeconds: deps.settings.holdSafetySeconds,
  });
  if (!finality.final) {
    const next = finality.checkAgainAt;
    if (next !== null && tx.charge.finaliseDueAt === next && next !== timer.dueAt) {
      await deps.charges.deleteTimer(timer); // the recompute already set a later timer
      return 'dropped';
    }
    const moved = await deps.charges.rescheduleTimer(timer, tx.charge.chargeVersion, next);
    return moved === 'saved' ? 'rescheduled' : 'conflict';
  }

  const stillRunning = tx.stoppedAt === undefined;
  const { tariff } = tariffOf(tx);
  const charge = tariff ? chargeOf(tariff, tx.charge.aggregate, tx, now) : undefined;
  const energyMilliWh = charge ? charge.energyMilliWh : (tx.charge.energyMilliWh ?? 0);
  const finalisedAt = new Date(finalisedAtMs).toISOString();
  const event: ChargeFinalisedEvent = {
    type: 'charge-finalised',
    eventId: `charge-finalised:${txKeyString(timer.key)}`,
    chargerId: tx.chargerId,
    transactionId: tx.transactionId,
    operatorId: tx.operatorId,
    finalisedAt,
    reason: finality.reason,
    charge: charge ?? null,
    energyMilliWh,
    ...(tx.preAuthAmountMinor !== undefined ? { preAuthAmountMinor: tx.preAuthAmountMinor } : {}),
    stillRunning,
  };
  const outcome = await deps.charges.finalise(
    timer.key,
    tx.charge.chargeVersion,
    {
      finalisedAt,
      reason: finality.reason,
      ...(charge ? { charge } : {}),
      energyMilliWh,
      markFinal: tx.status === 'stopped',
      event,
      ...fleetSessionOf(tx),
    },
    timer,
  );
  if (outcome === 'conflict') {
    deps.log.info('transaction changed while finalising; the next run looks again', { ...timer.key });
    return 'conflict';
  }
  deps.log.info('charge final', {
    ...timer.key,
    reason: finality.reason,
    grossMinor: charge?.totals.grossMinor,
    energyMilliWh,
  });
  if (stillRunning) await stopRunningSession(deps, tx);
  return 'finalised';
}

/** The hold is about to lapse on a running session: ask the charger to stop (best effort, logged). */
async function stopRunningSession(deps: PricingDeps, tx: PricedTransaction): Promise<void> {
  try {
    const { messageId } = await deps.commands.remoteStop({
      chargerId: tx.chargerId,
      transactionId: tx.transactionId,
    });
    deps.log.warn('hold about to expire; charge finalised and the running session asked to stop', {
      chargerId: tx.chargerId,
      transactionId: tx.transactionId,
      messageId,
      holdExpiresAt: tx.holdExpiresAt,
    });
  } catch (err) {
    deps.log.error('hold about to expire; could not stop the running session', {
      chargerId: tx.chargerId,
      transactionId: tx.transactionId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** A session billed to a fleet card that names its fleet joins the fleet's statement index when final. */
function fleetSessionOf(tx: PricedTransaction): Pick<Finalisation, 'fleetSession'> {
  const fleetId = tx.billedTo?.party === 'fleet' ? tx.billedTo.groupId : undefined;
  const startedAt = tx.startedAt ?? tx.stoppedAt ?? tx.createdAt;
  return fleetId && startedAt ? { fleetSession: { operatorId: tx.operatorId, fleetId, startedAt } } : {};
}
