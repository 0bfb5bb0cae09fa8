/**
 * The connector's previous transaction, still open when a new StartTransaction begins on it, and
 * its own StopTransaction when that arrives after all.
 */
import { samplesFromMeterValues } from '../../../domain/meter.js';
import type { StartTransactionReq } from '../../../ocpp/v16/types.js';
import type { StopInfo, TransactionRecord } from '../../../ports/transactions.js';
import type { CallContext, OcppDeps } from '../deps.js';

/**
 * A connector runs one transaction at a time: a StartTransaction on a connector whose previous
 * transaction is still open means that transaction's StopTransaction was lost (a reboot that
 * dropped the charger's queue). Left open it would never be billed nor its hold released, so it is
 * stopped here, at the new start's time, and flagged `superseded-by-new-start` for the operator.
 * Only the connector's latest start before this one is looked at: a start queued offline and
 * delivered late (earlier than the open one) ends nothing.
 *
 * meterStop: the new start's meterStart when the register kept counting (a lifetime register: the
 * reading when the connector started again); when it is lower (a register that restarts per
 * session), the highest reading the old transaction reported, so no energy is lost or invented.
 *
 * Idempotent: `byMessageId` (the start that supersedes) is the stop's message id, so a replay of
 * the new start, cut short before the flag, adds it; a transaction another stop ended is left alone.
 */
export async function endSupersededTransaction(
  deps: OcppDeps,
  ctx: CallContext,
  req: StartTransactionReq,
  startedAt: string,
  byMessageId: string,
): Promise<void> {
  const { chargerId } = ctx;
  const previous = await deps.transactions.latestStartBefore(chargerId, req.connectorId, startedAt);
  if (!previous) return;
  const old = await deps.transactions.get(chargerId, previous.transactionId);
  if (!old) return;
  if (old.status === 'active' && old.stoppedAt === undefined) {
    const outcome = await deps.transactions.recordStop(chargerId, old.transactionId, {
      meterStop: await supersededMeterStop(deps, old, req.meterStart),
      stoppedAt: startedAt,
      stopReason: 'Other',
      stopMessageId: byMessageId,
      receivedAt: ctx.receivedAt,
    });
    if (outcome !== 'stopped') return;
    deps.log.warn('StartTransaction on a connector with an open transaction; stopped the open one', {
      chargerId,
      transactionId: old.transactionId,
      connectorId: req.connectorId,
    });
  } else if (old.stopMessageId !== byMessageId) {
    return;
  }
  await deps.transactions.addFlag(chargerId, old.transactionId, 'superseded-by-new-start');
}

async function supersededMeterStop(
  deps: OcppDeps,
  old: TransactionRecord,
  newMeterStartWh: number,
): Promise<number> {
  const oldMeterStartWh = old.meterStart ?? 0;
  const stored = await deps.transactions.meterValuesOf(old.chargerId, old.transactionId);
  const registerMilliWh = stored
    .flatMap((r) => samplesFromMeterValues(r.meterValue).samples)
    .filter((sample) => sample.kind === 'register')
    .map((sample) => sample.milliWh);
  // Integer Wh like meterStop itself, rounded up so the stop is never below the reading it stands for.
  const highestWh = Math.max(oldMeterStartWh, ...registerMilliWh.map((mWh) => Math.ceil(mWh / 1000)));
  return newMeterStartWh >= highestWh ? newMeterStartWh : highestWh;
}

/**
 * The charger's own StopTransaction for a transaction the platform ended at a new start: it was late,
 * not lost (queued while offline, sent after the new start). It is the truth about when and at what
 * reading the session ended, so while the charge is not final it replaces the platform's stop (the
 * transaction is flagged `stop-replaced-by-charger` in the same write, and pricing folds the charge
 * afresh from the stored readings and this stop). Once the charge is final the bill stands: `kept`,
 * and the caller flags the `stop-conflict` for the operator as for any other second stop.
 */
export async function replaceSupersededStop(
  deps: OcppDeps,
  tx: TransactionRecord,
  stop: StopInfo,
): Promise<'replaced' | 'kept'> {
  if (
    tx.status !== 'stopped' ||
    tx.stopMessageId === undefined ||
    !tx.flags.includes('superseded-by-new-start') ||
    tx.flags.includes('stop-replaced-by-charger')
  )
    return 'kept';
  const outcome = await deps.transactions.replaceSupersededStop(
    tx.chargerId,
    tx.transactionId,
    stop,
    tx.stopMessageId,
  );
  if (outcome === 'replaced') {
    deps.log.warn("the charger's own StopTransaction replaced the stop the platform made at a new start", {
      chargerId: tx.chargerId,
      transactionId: tx.transactionId,
      platformStoppedAt: tx.stoppedAt,
      stoppedAt: stop.stoppedAt,
    });
  }
  return outcome;
}
