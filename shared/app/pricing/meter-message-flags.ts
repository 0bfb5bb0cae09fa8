/**
 * OCPP's flags on a stored meter message, decided on the table stream.
 *
 * Why here and not in OCPP: MeterValues is the platform's hottest call, and reading the
 * transaction before each write only to label the message doubled its DynamoDB round trips
 * (issue 13, throughput). The recompute reads the transaction for every meter message anyway, so it
 * labels the few messages that need it, with one extra write for those only.
 *
 * The labels say when the message was received relative to the transaction, by the platform's
 * receive times (one clock source, millisecond precision), not by what a read happened to see:
 * - `unknown-transaction`: no transaction with its id existed when it was received (none is stored
 *   now, or the stored one was created later, from a late StopTransaction);
 * - `after-stop`: it was received at or after the transaction's StopTransaction.
 * A message received in the same instant as the stop counts as after it: the stop was stored
 * first or concurrently, as a read would have seen it at best. A StopTransaction's own
 * transactionData is part of the stop and is never labelled.
 */
import type { PricedTransaction } from '../../ports/charges.js';
import type { MeterMessage, MeterMessageFlag } from '../../ports/transactions.js';
import { millisOf } from './inputs.js';

type TransactionTimes = Pick<PricedTransaction, 'status' | 'createdAt' | 'updatedAt'> & {
  charge: Pick<PricedTransaction['charge'], 'stopReceivedAt'>;
};

/** The flags a meter message of `tx` (undefined: not stored) should carry; empty for most. */
export function meterMessageFlags(
  tx: TransactionTimes | undefined,
  message: Pick<MeterMessage, 'source' | 'receivedAt'>,
): MeterMessageFlag[] {
  if (message.source !== 'MeterValues') return [];
  if (!tx) return ['unknown-transaction'];
  const receivedMs = millisOf(message.receivedAt);
  if (receivedMs === undefined) return [];
  const createdMs = millisOf(tx.createdAt);
  if (createdMs !== undefined && receivedMs < createdMs) return ['unknown-transaction'];
  if (tx.status === 'active') return [];
  const stopReceivedMs = stopReceivedMillis(tx);
  return stopReceivedMs === undefined || receivedMs >= stopReceivedMs ? ['after-stop'] : [];
}

/**
 * When the StopTransaction was received. OCPP's stop writes set `updatedAt` to it; a charger's stop
 * replacing the platform's (superseded-start.ts) moves it later, while pricing keeps the first stop's
 * time in whole seconds (`charge.stopReceivedAt`): the earlier of the two, the second read as its
 * last millisecond so that it never moves a stop earlier than it was.
 */
function stopReceivedMillis(tx: TransactionTimes): number | undefined {
  const updatedMs = millisOf(tx.updatedAt);
  const pricedMs = tx.charge.stopReceivedAt !== undefined ? tx.charge.stopReceivedAt * 1000 + 999 : undefined;
  if (updatedMs === undefined) return pricedMs;
  return pricedMs === undefined ? updatedMs : Math.min(updatedMs, pricedMs);
}
