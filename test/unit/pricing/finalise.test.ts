/** The finaliser use case over the in-memory fakes. */
import { describe, expect, it } from 'vitest';
import { finaliseDueCharges } from '../../../shared/app/pricing/finalise.js';
import { recomputeBatch } from '../../../shared/app/pricing/recompute.js';
import type { Charge } from '../../../shared/domain/pricing.js';
import { at } from '../../fixtures/builders/pricing.js';
import { aTransaction, items, KEY, memoryPricing, mv, plus, readings, stop, txChanged } from './support.js';

const STOP_RECEIVED = '2026-03-02T08:20:00.000Z';
const SETTLED = at(STOP_RECEIVED) + 120;

async function stoppedSession() {
  const m = memoryPricing({ now: STOP_RECEIVED });
  m.store.putTransaction(aTransaction());
  await recomputeBatch(
    m.deps,
    items(txChanged(), mv(readings('m1', [[10, 10_500]], '2026-03-02T08:10:00.000Z'))),
  );
  await recomputeBatch(
    m.deps,
    items(stop(m.store, { meterStop: 11_000, stoppedAt: plus(20), receivedAt: STOP_RECEIVED })),
  );
  return m;
}

describe('finaliser', () => {
  it('finalises once the settle window has passed, with the outbox event in the same write', async () => {
    const { deps, store, clock } = await stoppedSession();
    clock.set('2026-03-02T08:21:59.000Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ examined: 0, finalised: 0 });
    clock.set('2026-03-02T08:22:00.000Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ examined: 1, finalised: 1 });
    const item = store.item(KEY)!;
    const charge = item.charge as Charge;
    expect(item).toMatchObject({
      status: 'final',
      finalisedAt: '2026-03-02T08:22:00.000Z',
      finalReason: 'settled',
      discrepancies: {},
    });
    expect(item.finaliseDueAt).toBeUndefined();
    // 1 kWh, 20 minutes, flat: the worked example of the recompute test, now stopped.
    expect(charge.stopped).toBe(true);
    expect(charge.totals.grossMinor).toBe(153);
    expect([...store.outbox.values()]).toEqual([
      {
        type: 'charge-finalised',
        eventId: 'charge-finalised:CP-1#7',
        chargerId: 'CP-1',
        transactionId: 7,
        operatorId: 'op-1',
        finalisedAt: '2026-03-02T08:22:00.000Z',
        reason: 'settled',
        charge,
        energyMilliWh: 1_000_000,
        stillRunning: false,
      },
    ]);
    expect(store.timers.size).toBe(0);
    // Exactly once: later runs find nothing.
    clock.advance(60_000);
    expect(await finaliseDueCharges(deps)).toMatchObject({ examined: 0, finalised: 0 });
    expect(store.outbox.size).toBe(1);
  });

  it('waits for a late sample: the stale timer goes and the charge includes it', async () => {
    const { deps, store, clock } = await stoppedSession();
    // A queued reading arrives 60 s after the stop.
    clock.set('2026-03-02T08:21:00.000Z');
    await recomputeBatch(deps, items(mv(readings('m2', [[5, 10_200]], '2026-03-02T08:21:00.000Z'))));
    clock.set('2026-03-02T08:22:00.000Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ examined: 1, dropped: 1, finalised: 0 });
    expect([...store.timers.values()].map((t) => t.dueAt)).toEqual([at('2026-03-02T08:23:00Z')]);
    clock.set('2026-03-02T08:23:00.000Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ finalised: 1 });
    expect(
      (store.item(KEY)!.aggregate as { register: { first: { milliWh: number } }[] }).register[0]!.first
        .milliWh,
    ).toBe(10_200_000);
  });

  it('keeps the finalisation instant to the millisecond, so a reading later in the same second is a discrepancy', async () => {
    const { deps, store, clock } = await stoppedSession();
    clock.set('2026-03-02T08:22:00.400Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ finalised: 1 });
    expect(store.item(KEY)!.finalisedAt).toBe('2026-03-02T08:22:00.400Z');
    // One received earlier in that second was in hand when the charge was finalised: not one.
    await recomputeBatch(deps, items(mv(readings('m1-before', [[10, 10_500]], '2026-03-02T08:22:00.100Z'))));
    expect(store.item(KEY)!.discrepancies).toEqual({});
    // The charger repeats a reading the charge already holds, 300 ms after finalisation: it changes
    // nothing, but it came after the charge was final, so it belongs in the operator's trail.
    clock.set('2026-03-02T08:22:00.700Z');
    await recomputeBatch(deps, items(mv(readings('m1-again', [[10, 10_500]], '2026-03-02T08:22:00.700Z'))));
    expect(Object.values(store.item(KEY)!.discrepancies ?? {})).toEqual([
      {
        kind: 'sample-after-final',
        messageId: 'm1-again',
        receivedAt: '2026-03-02T08:22:00.700Z',
        samples: 1,
        wouldChangeCharge: false,
      },
    ]);
  });

  it('moves a timer whose transaction names no later one', async () => {
    const { deps, store, clock } = await stoppedSession();
    // The sample moved the settle deadline, but (say) the timer write of that recompute was lost.
    store.patchTransaction(KEY, { lastSampleReceivedAt: at('2026-03-02T08:21:00Z') });
    clock.set('2026-03-02T08:22:00.000Z');
    expect(await finaliseDueCharges(deps)).toMatchObject({ rescheduled: 1 });
    expect([...store.timers.values()].map((t) => t.dueAt)).toEqual([at('2026-03-02T08:23:00Z')]);
    expect(store.item(KEY)!.finaliseDueAt).toBe(at('2026-03-02T08:23:00Z'));
  });

  it('loses to a concurrent recompute and finalises on the next run with its data', async () => {
    const { deps, store, clock } = await stoppedSession();
    clock.set('2026-03-02T08:22:00.000Z');
    const load = deps.charges.load.bind(deps.charges);
    let raced = false;
    deps.charges.load = async (key) => {
      const tx = await load(key);
      if (!raced) {
        raced = true;
        // A recompute of a message received just in time writes between the read and the write.
        store.patchTransaction(key, { chargeVersion: (tx?.charge.chargeVersion ?? 0) + 1 });
      }
      return tx;
    };
    expect(await finaliseDueCharges(deps)).toMatchObject({ conflicts: 1, finalised: 0 });
    expect(store.outbox.size).toBe(0);
    expect(await finaliseDueCharges(deps)).toMatchObject({ finalised: 1 });
    expect(store.outbox.size).toBe(1);
  });

  it('finalises a running session before its hold lapses, stops it, and flags its later stop', async () => {
    const m = memoryPricing({ now: '2026-03-02T08:30:00.000Z' });
    const holdExpiresAt = at('2026-03-02T09:30:00Z');
    m.store.putTransaction(aTransaction({ holdExpiresAt, preAuthAmountMinor: 5000 }));
    await recomputeBatch(m.deps, items(txChanged(), mv(readings('m1', [[10, 10_500]]))));
    expect(m.store.item(KEY)!.finaliseDueAt).toBe(holdExpiresAt - 3600);
    m.clock.set('2026-03-02T08:40:00.000Z');
    expect(await finaliseDueCharges(m.deps)).toMatchObject({ finalised: 1 });
    const item = m.store.item(KEY)!;
    expect(item).toMatchObject({
      status: 'active',
      finalReason: 'hold-expiring',
      finalisedAt: '2026-03-02T08:40:00.000Z',
    });
    // Priced on the data at hand, the time up to now: 40 minutes.
    expect((item.charge as Charge).billedMinutes).toBe(40);
    expect([...m.store.outbox.values()][0]).toMatchObject({
      reason: 'hold-expiring',
      stillRunning: true,
      preAuthAmountMinor: 5000,
    });
    expect(m.commands.sent).toEqual([KEY]);
    // The stop lands later: recorded, and the status becomes final; the charge does not change.
    await recomputeBatch(
      m.deps,
      items(
        stop(m.store, {
          meterStop: 12_000,
          stoppedAt: plus(42),
          receivedAt: '2026-03-02T08:42:05.000Z',
          stopMessageId: 's-1',
        }),
      ),
    );
    const after = m.store.item(KEY)!;
    expect(after.status).toBe('final');
    expect(after.charge).toEqual(item.charge);
    expect(after.discrepancies).toEqual({
      's-1': {
        kind: 'stop-after-final',
        messageId: 's-1',
        receivedAt: '2026-03-02T08:42:05.000Z',
        samples: 1,
        wouldChangeCharge: true,
        detail: 'meterStop 12000 Wh at 2026-03-02T08:42:00.000Z',
      },
    });
  });

  it('emits an event without a charge for a session without a tariff', async () => {
    const m = memoryPricing({ now: STOP_RECEIVED });
    m.store.putTransaction(aTransaction({ tariffSnapshot: undefined }));
    await recomputeBatch(
      m.deps,
      items(stop(m.store, { meterStop: 13_000, stoppedAt: plus(20), receivedAt: STOP_RECEIVED })),
    );
    m.clock.set(new Date(SETTLED * 1000).toISOString());
    await finaliseDueCharges(m.deps);
    expect([...m.store.outbox.values()][0]).toMatchObject({ charge: null, energyMilliWh: 3_000_000 });
    expect(m.store.item(KEY)!.status).toBe('final');
  });

  it("moves a fleet's session into its fleet's statement index when final, and no other session", async () => {
    const finalisations: unknown[] = [];
    const settle = async (over: Record<string, unknown>) => {
      const m = memoryPricing({ now: STOP_RECEIVED });
      m.store.putTransaction(aTransaction(over));
      await recomputeBatch(
        m.deps,
        items(txChanged(), mv(readings('m1', [[10, 10_500]], '2026-03-02T08:10:00.000Z'))),
      );
      await recomputeBatch(
        m.deps,
        items(stop(m.store, { meterStop: 11_000, stoppedAt: plus(20), receivedAt: STOP_RECEIVED })),
      );
      const finalise = m.deps.charges.finalise.bind(m.deps.charges);
      m.deps.charges.finalise = (key, version, f, timer) => {
        finalisations.push(f.fleetSession);
        return finalise(key, version, f, timer);
      };
      m.clock.set('2026-03-02T08:22:00.000Z');
      expect(await finaliseDueCharges(m.deps)).toMatchObject({ finalised: 1 });
    };
    await settle({ billedTo: { party: 'fleet', idTag: 'VAN-1', groupId: 'vans' } });
    await settle({ billedTo: { party: 'member', idTag: 'M-1', groupId: 'flats' } });
    await settle({ billedTo: { party: 'fleet', idTag: 'VAN-2' } });
    await settle({});
    expect(finalisations).toEqual([
      { operatorId: 'op-1', fleetId: 'vans', startedAt: aTransaction().startedAt },
      undefined,
      undefined,
      undefined,
    ]);
  });
});
