/** Stream records → pricing triggers, and the stream handler's batchItemFailures. */
import { describe, expect, it } from 'vitest';
import { triggerOf } from '../../../shared/adapters/dynamodb/charge-stream.js';
import { keys } from '../../../shared/adapters/dynamodb/keys.js';
import {
  meterValuesItem,
  transactionItem,
} from '../../../shared/adapters/dynamodb/transaction-repository.js';
import { createRecomputeHandler } from '../../../shared/lambda/recompute-handler.js';
import type { MeterValuesRecord } from '../../../shared/ports/transactions.js';
import { streamRecord } from '../../fixtures/pricing/stream-records.js';
import { aTransaction, KEY, memoryPricing, plus } from './support.js';

const txItem = (over: Parameters<typeof aTransaction>[0] = {}) => transactionItem(aTransaction(over));

const mvRecord = (messageId: string, wh: number): MeterValuesRecord => ({
  ...KEY,
  operatorId: 'op-1',
  connectorId: 1,
  messageId,
  source: 'MeterValues',
  meterValue: [
    {
      timestamp: plus(10),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    },
  ],
  flags: [],
  receivedAt: '2026-03-02T08:10:01.000Z',
});

describe('triggerOf', () => {
  it('reads a meter values item with its samples', () => {
    const record = streamRecord('INSERT', meterValuesItem(mvRecord('m1', 10_500)));
    expect(triggerOf(record)).toEqual({
      kind: 'meter-values',
      key: KEY,
      message: {
        messageId: 'm1',
        source: 'MeterValues',
        receivedAt: '2026-03-02T08:10:01.000Z',
        meterValue: mvRecord('m1', 10_500).meterValue,
      },
      flags: [],
    });
  });

  it('carries the flags a labelled message holds, so a replay does not label it again', () => {
    const item = meterValuesItem({ ...mvRecord('m1', 10_500), flags: ['after-stop'] });
    expect(triggerOf(streamRecord('INSERT', item))).toMatchObject({ flags: ['after-stop'] });
  });

  it('reacts to a new transaction and to a change of a pricing input', () => {
    const created = txItem();
    expect(triggerOf(streamRecord('INSERT', created))).toEqual({ kind: 'transaction', key: KEY });
    const withPreAuth = { ...created, preAuthAmountMinor: 2000 };
    expect(triggerOf(streamRecord('MODIFY', withPreAuth, created))).toEqual({
      kind: 'transaction',
      key: KEY,
    });
  });

  it('carries the stop receive time when the change is the stop', () => {
    const running = txItem();
    const stopped = {
      ...running,
      status: 'stopped',
      meterStop: 11_000,
      stoppedAt: plus(20),
      stopMessageId: 's1',
      updatedAt: '2026-03-02T08:20:03.000Z',
    };
    expect(triggerOf(streamRecord('MODIFY', stopped, running))).toEqual({
      kind: 'transaction',
      key: KEY,
      stopReceivedAt: '2026-03-02T08:20:03.000Z',
    });
  });

  it("ignores the recompute's own writes and other flows' unrelated fields (no loop)", () => {
    const before = txItem();
    const own = {
      ...before,
      chargeVersion: 3,
      aggregate: { version: 1 },
      charge: { totals: { grossMinor: 1 } },
      finaliseDueAt: 1,
      status: 'final',
      finalisedAt: plus(30),
      discrepancies: { m9: { kind: 'sample-after-final' } },
      chargeFlags: new Set(['no-tariff']),
      paymentStatus: 'captured',
    };
    expect(triggerOf(streamRecord('MODIFY', own, before))).toEqual({ ignored: 'no pricing input changed' });
  });

  it('ignores removals, other partitions and other items of the partition', () => {
    expect(triggerOf(streamRecord('REMOVE', txItem()))).toMatchObject({ ignored: 'removal' });
    expect(triggerOf(streamRecord('INSERT', { ...keys.charger('CP-1'), chargerId: 'CP-1' }))).toMatchObject({
      ignored: 'not a transaction partition',
    });
    expect(
      triggerOf(
        streamRecord('INSERT', { ...keys.chargeTimer(5, 'CP-1', 7), chargerId: 'CP-1', transactionId: 7 }),
      ),
    ).toMatchObject({ ignored: 'not a transaction partition' });
  });
});

describe('stream handler', () => {
  it('recomputes per transaction and reports the failed transaction for retry', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    const other = { chargerId: 'CP-9', transactionId: 1 };
    store.putTransaction(aTransaction(other));
    const load = deps.charges.load.bind(deps.charges);
    deps.charges.load = async (key) => {
      if (key.chargerId === 'CP-9') throw new Error('throttled');
      return load(key);
    };
    const handler = createRecomputeHandler(() => deps);
    const good = streamRecord('INSERT', meterValuesItem(mvRecord('m1', 10_500)));
    const bad = streamRecord('INSERT', meterValuesItem({ ...mvRecord('m2', 10_500), ...other }));
    const ignored = streamRecord('INSERT', { ...keys.charger('CP-1'), chargerId: 'CP-1' });
    const result = await handler({ Records: [ignored, good, bad] });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: bad.dynamodb?.SequenceNumber }] });
    expect(store.item(KEY)?.energyMilliWh).toBe(500_000);
  });
});
