/**
 * The reconciliation sweep over the in-memory fakes: a charge whose stream records were lost
 * (stored meter messages and a stored stop that never reached the recompute) is re-folded to the
 * charge the stream would have produced; an up-to-date charge is left alone; a run reads a bounded
 * number of pages and the next run continues from the kept cursor.
 */
import { describe, expect, it } from 'vitest';
import { finaliseDueCharges } from '../../../shared/app/pricing/finalise.js';
import { recomputeBatch } from '../../../shared/app/pricing/recompute.js';
import { reconcileCharges } from '../../../shared/app/pricing/reconcile.js';
import type { TxKey } from '../../../shared/ports/charges.js';
import { aTransaction, items, KEY, memoryPricing, mv, readings, stop, txChanged } from './support.js';

const STOP_RECEIVED = '2026-03-02T08:20:00.000Z';
const m1 = readings('m1', [[5, 10_200]], '2026-03-02T08:05:00.000Z');
const m2 = readings('m2', [[10, 10_500]], '2026-03-02T08:10:00.000Z');
const STOP = { meterStop: 11_000, stoppedAt: '2026-03-02T08:20:00.000Z', receivedAt: STOP_RECEIVED };

/** The session as the stream delivers it: every record reaches the recompute. */
async function delivered() {
  const m = memoryPricing({ now: STOP_RECEIVED });
  m.store.putTransaction(aTransaction());
  m.store.putMeterMessage(KEY, m1);
  m.store.putMeterMessage(KEY, m2);
  await recomputeBatch(m.deps, items(txChanged(), mv(m1), mv(m2)));
  await recomputeBatch(m.deps, items(stop(m.store, STOP)));
  return m;
}

/** The same session where the stream lost everything after the first message. */
async function lostRecords() {
  const m = memoryPricing({ now: STOP_RECEIVED });
  m.store.putTransaction(aTransaction());
  m.store.putMeterMessage(KEY, m1);
  await recomputeBatch(m.deps, items(txChanged(), mv(m1)));
  m.store.putMeterMessage(KEY, m2);
  stop(m.store, STOP);
  return m;
}

describe('reconcileCharges', () => {
  it('re-folds a charge whose stored messages and stop never reached the recompute', async () => {
    const reference = await delivered();
    const m = await lostRecords();
    const staleCharge = m.store.item(KEY)?.charge;
    // Within the grace period the stream is still on it; after, the sweep takes over.
    expect(await reconcileCharges(m.deps)).toMatchObject({ examined: 1, recent: 1, refolded: 0 });
    expect(m.store.item(KEY)?.charge).toEqual(staleCharge);
    for (const world of [m, reference]) world.clock.set('2026-03-02T08:22:00.000Z');

    const report = await reconcileCharges(m.deps);

    expect(report).toEqual({ examined: 1, refolded: 1, recent: 0, failed: 0, passComplete: true });
    const item = m.store.item(KEY)!;
    expect(item.charge).not.toEqual(staleCharge);
    for (const field of [
      'charge',
      'aggregate',
      'energyMilliWh',
      'lastSampleReceivedAt',
      'stopReceivedAt',
      'finaliseDueAt',
    ])
      expect(item[field], field).toEqual(reference.store.item(KEY)![field]);
    // The stop's timer is written too, so the finaliser settles it as it would have.
    expect(await finaliseDueCharges(m.deps)).toMatchObject({ finalised: 1 });
    expect(await finaliseDueCharges(reference.deps)).toMatchObject({ finalised: 1 });
    expect(m.store.item(KEY)!.charge).toEqual(reference.store.item(KEY)!.charge);
  });

  it('writes nothing for a charge that already has everything', async () => {
    const m = await delivered();
    m.clock.set('2026-03-02T09:00:00.000Z');
    const before = m.store.item(KEY)!.chargeVersion;

    expect(await reconcileCharges(m.deps)).toEqual({
      examined: 1,
      refolded: 0,
      recent: 0,
      failed: 0,
      passComplete: true,
    });
    expect(m.store.item(KEY)!.chargeVersion).toBe(before);
  });

  it('skips final charges and reads a bounded number of pages per run, continuing where it stopped', async () => {
    const m = memoryPricing();
    const keys: TxKey[] = Array.from({ length: 5 }, (_, i) => ({ chargerId: 'CP-1', transactionId: i + 1 }));
    for (const key of keys) m.store.putTransaction(aTransaction({ ...key }));
    m.store.patchTransaction(keys[2]!, { finalisedAt: STOP_RECEIVED });

    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await reconcileCharges(m.deps, { pageSize: 2, maxPages: 1 }));

    expect(runs.map((r) => [r.examined, r.passComplete])).toEqual([
      [2, false],
      [1, false],
      [1, true],
    ]);
    // Every unfinalised transaction was priced once by the pass; the final one was not touched.
    for (const key of keys) {
      expect(m.store.item(key)!.chargeVersion, `tx ${key.transactionId}`).toBe(
        key.transactionId === 3 ? undefined : 1,
      );
    }
    // The pass is over: the next run starts from the top again.
    expect((await reconcileCharges(m.deps, { pageSize: 2, maxPages: 1 })).examined).toBe(2);
  });
});
