/**
 * OCPP's labels on stored meter messages, which the recompute sets since MeterValues no longer reads
 * the transaction before its write (issue 13): the rule, and the recompute applying it.
 */
import { describe, expect, it } from 'vitest';
import { meterMessageFlags } from '../../../shared/app/pricing/meter-message-flags.js';
import { recomputeBatch } from '../../../shared/app/pricing/recompute.js';
import type { MeterMessage } from '../../../shared/ports/charges.js';
import { aTransaction, items, KEY, memoryPricing, mv, readings, START, stop } from './support.js';

const STOP_RECEIVED = '2026-03-02T09:00:00.000Z';
const received = (iso: string) => ({ source: 'MeterValues' as const, receivedAt: iso });
const running = { status: 'active' as const, createdAt: START, updatedAt: START, charge: {} };
const stopped = { status: 'stopped' as const, createdAt: START, updatedAt: STOP_RECEIVED, charge: {} };

describe('meterMessageFlags', () => {
  it.each([
    ['no transaction stored', undefined, received(START), ['unknown-transaction']],
    [
      'received before the transaction was created',
      running,
      received('2026-03-02T07:59:59.999Z'),
      ['unknown-transaction'],
    ],
    ['received while it runs', running, received('2026-03-02T08:30:00.000Z'), []],
    ['received before the stop', stopped, received('2026-03-02T08:59:59.999Z'), []],
    ['received in the instant of the stop', stopped, received(STOP_RECEIVED), ['after-stop']],
    ['received after the stop', stopped, received('2026-03-02T09:00:00.001Z'), ['after-stop']],
    [
      'received after the charge is final',
      { ...stopped, status: 'final' as const },
      received('2026-03-02T10:00:00.000Z'),
      ['after-stop'],
    ],
    [
      'a StopTransaction’s own transactionData',
      stopped,
      { source: 'StopTransaction' as const, receivedAt: STOP_RECEIVED },
      [],
    ],
    [
      'a StopTransaction’s data for a transaction not stored',
      undefined,
      { source: 'StopTransaction' as const, receivedAt: START },
      [],
    ],
  ] as const)('%s: %j', (_, tx, message, expected) => {
    expect(meterMessageFlags(tx, message)).toEqual(expected);
  });

  it('a charger’s stop that replaced the platform’s moved updatedAt: the first stop (whole seconds) still counts', () => {
    // The platform's stop was received at 09:00:00.xxx (priced as 09:00:00), the charger's at 09:05.
    const replaced = {
      ...stopped,
      updatedAt: '2026-03-02T09:05:00.000Z',
      charge: { stopReceivedAt: Date.parse(STOP_RECEIVED) / 1000 },
    };
    expect(meterMessageFlags(replaced, received('2026-03-02T09:01:00.000Z'))).toEqual(['after-stop']);
    // within the first stop's second it cannot tell, and leaves the message unlabelled
    expect(meterMessageFlags(replaced, received('2026-03-02T09:00:00.500Z'))).toEqual([]);
  });
});

describe('the recompute labels the messages of its batch', () => {
  const at = (message: MeterMessage, receivedAt: string): MeterMessage => ({ ...message, receivedAt });

  it('after-stop: once, and a replay of the batch writes nothing more', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    const before = at(readings('m1', [[10, 10_500]]), '2026-03-02T08:59:00.000Z');
    const late = at(readings('m2', [[20, 11_000]]), '2026-03-02T09:01:00.000Z');
    store.putMeterMessage(KEY, before);
    store.putMeterMessage(KEY, late);
    // The stop lands between the two, and all three reach the recompute in one batch.
    const batch = items(
      mv(before),
      stop(store, { meterStop: 11_000, stoppedAt: START, receivedAt: STOP_RECEIVED }),
      mv(late),
    );
    await recomputeBatch(deps, batch);
    expect(store.flagsOf(KEY, before)).toEqual([]);
    expect(store.flagsOf(KEY, late)).toEqual(['after-stop']);
    const writes = store.writes;
    await recomputeBatch(deps, batch);
    expect(store.writes).toBe(writes);
  });

  it('unknown-transaction: the message is labelled though nothing is priced', async () => {
    const { deps, store } = memoryPricing();
    const orphan = readings('m1', [[10, 10_500]]);
    store.putMeterMessage(KEY, orphan);
    const report = await recomputeBatch(deps, items(mv(orphan)));
    expect(report.outcomes[`${KEY.chargerId}#${KEY.transactionId}`]).toBe('no-transaction');
    expect(store.flagsOf(KEY, orphan)).toEqual(['unknown-transaction']);
  });

  it('a message not stored is not created by its label', async () => {
    const { deps, store } = memoryPricing();
    const writes = store.writes;
    await recomputeBatch(deps, items(mv(readings('m1', [[10, 10_500]]))));
    expect(store.flagsOf(KEY, readings('m1', [[10, 10_500]]))).toEqual([]);
    expect(store.writes).toBe(writes);
  });
});
