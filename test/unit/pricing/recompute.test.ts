/** The stream recompute use case over the in-memory fakes. */
import { describe, expect, it } from 'vitest';
import { recomputeBatch } from '../../../shared/app/pricing/recompute.js';
import { type SampledValue, samplesFromMeterValues } from '../../../shared/domain/meter.js';
import { priceSession } from '../../../shared/domain/pricing.js';
import { meterMessageIdentity } from '../../../shared/ports/transactions.js';
import { aTariff, at, DEMO_TARIFF, energy, ms, parking } from '../../fixtures/builders/pricing.js';
import {
  aTransaction,
  items,
  KEY,
  memoryPricing,
  mv,
  plus,
  readings,
  START,
  stop,
  txChanged,
} from './support.js';

describe('recompute of the running charge', () => {
  it('folds a batch and stores the charge, aggregate and version (worked example)', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    // 10 000 Wh at 08:00; 10 500 Wh at 08:10; 11 000 Wh at 08:20. Running, priced to the last sample:
    // ENERGY 1 kWh x 45.5p = 45.5 -> net 46, VAT 9.2 -> 9, gross 55
    // TIME 20 min x £1.20/h = 40p net, VAT 8, gross 48
    // FLAT 50p at 0 % -> 50.                                            Total gross 153.
    const report = await recomputeBatch(
      deps,
      items(
        txChanged(),
        mv(
          readings('m1', [
            [10, 10_500],
            [20, 11_000],
          ]),
        ),
      ),
    );
    expect(report).toEqual({ failedIds: [], outcomes: { 'CP-1#7': 'saved' } });
    const item = store.item(KEY)!;
    expect(item.chargeVersion).toBe(1);
    expect(item.energyMilliWh).toBe(1_000_000);
    const charge = item.charge as ReturnType<typeof priceSession>;
    expect(charge.lines.map((l) => [l.component, l.quantity, l.grossMinor])).toEqual([
      ['ENERGY', 1_000_000, 55],
      ['TIME', 20, 48],
      ['FLAT', 1, 50],
    ]);
    expect(charge.totals).toEqual({ netMinor: 136, taxMinor: 17, grossMinor: 153 });
    expect(charge.stopped).toBe(false);
    expect(item.lastSampleReceivedAt).toBe(at('2026-03-02T09:00:00Z'));
    expect(item.finaliseDueAt).toBeUndefined();
    expect(store.timers.size).toBe(0);
  });

  it('replaying the same batch changes nothing and writes nothing', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    const batch = items(txChanged(), mv(readings('m1', [[10, 10_500]])), mv(readings('m2', [[20, 11_000]])));
    await recomputeBatch(deps, batch);
    const before = store.item(KEY);
    const writes = store.writes;
    const report = await recomputeBatch(deps, batch);
    expect(report.outcomes['CP-1#7']).toBe('unchanged');
    expect(store.writes).toBe(writes);
    expect(store.item(KEY)).toEqual(before);
  });

  it('folds two messages of one batch that share a message id (a rebooted charger reuses its ids)', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    await recomputeBatch(
      deps,
      items(txChanged(), mv(readings('3', [[20, 11_000]])), mv(readings('3', [[10, 10_500]]))),
    );
    expect(store.item(KEY)?.energyMilliWh).toBe(1_000_000);
  });

  it('reads the transaction once and writes once per transaction per batch, whatever its size', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    await recomputeBatch(deps, items(txChanged()));
    const [reads, writes] = [store.reads, store.writes];
    const batch = items(
      ...Array.from({ length: 50 }, (_, i) => mv(readings(`m${i}`, [[i + 1, 10_000 + 100 * (i + 1)]]))),
    );
    await recomputeBatch(deps, batch);
    expect(store.reads - reads).toBe(1);
    expect(store.writes - writes).toBe(1);
  });

  it('prices a late, out-of-order sample exactly as if it had come in order', async () => {
    const tariff = aTariff({
      id: 'idle',
      elements: [{ components: [energy(30_000, 0), parking(600_000, 0)] }],
    });
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction({ tariffSnapshot: tariff }));
    const early = readings('m1', [
      [1, 10_500],
      [2, 11_000],
      [3, 11_500],
    ]);
    const idle = readings('m2', [
      [5, 12_000],
      [6, 12_000],
    ]);
    const late = readings('m3', [[4, 12_000]], '2026-03-02T09:05:00.000Z');
    await recomputeBatch(deps, items(mv(idle), txChanged()));
    await recomputeBatch(deps, items(mv(early)));
    await recomputeBatch(
      deps,
      items(stop(store, { meterStop: 12_000, stoppedAt: plus(10), receivedAt: '2026-03-02T09:01:00.000Z' })),
    );
    // Before the late sample, the level 12 000 Wh was first seen at minute 5: 5 min parking.
    expect((store.item(KEY)!.charge as { billedParkingMinutes: number }).billedParkingMinutes).toBe(5);
    await recomputeBatch(deps, items(mv(late)));
    const all = [early, idle, late].flatMap((m) => samplesFromMeterValues(m.meterValue).samples);
    const expected = priceSession(tariff, {
      startedAtMs: ms(at(START)),
      meterStartWh: 10_000,
      samples: [...all, { atMs: ms(at(plus(10))), kind: 'register', milliWh: 12_000_000 }],
      stoppedAtMs: ms(at(plus(10))),
    });
    // 2 kWh at 30p = 60p; charging ended at minute 4 (the late sample): 6 min parking at £6/h = 60p.
    expect(expected.totals.grossMinor).toBe(120);
    expect(store.item(KEY)!.charge).toEqual(expected);
    // The late message restarted the settle window.
    expect(store.item(KEY)!.finaliseDueAt).toBe(at('2026-03-02T09:05:00Z') + 120);
  });

  it('loses no sample when two invocations write concurrently (re-read and re-fold)', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    await recomputeBatch(deps, items(txChanged()));
    const [a, b] = await Promise.all([
      recomputeBatch(deps, items(mv(readings('m1', [[10, 10_500]])))),
      recomputeBatch(deps, items(mv(readings('m2', [[20, 11_000]])))),
    ]);
    expect([a.failedIds, b.failedIds]).toEqual([[], []]);
    const item = store.item(KEY)!;
    expect(item.chargeVersion).toBe(3);
    expect(item.energyMilliWh).toBe(1_000_000);
  });

  it('stores energy only and flags no-tariff when the session has no tariff snapshot', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction({ tariffSnapshot: undefined }));
    await recomputeBatch(deps, items(txChanged(), mv(readings('m1', [[30, 17_000]]))));
    const item = store.item(KEY)!;
    expect(item.charge).toBeUndefined();
    expect(item.energyMilliWh).toBe(7_000_000);
    expect(item.chargeFlags).toEqual(['no-tariff']);
    expect(item.flags).toEqual([]); // OCPP's flags are OCPP's
  });

  it('flags an invalid snapshot and prices energy only', async () => {
    const { deps, store, lines } = memoryPricing();
    store.putTransaction(aTransaction({ tariffSnapshot: { ...DEMO_TARIFF, currency: 'pounds' } }));
    await recomputeBatch(deps, items(txChanged(), mv(readings('m1', [[30, 17_000]]))));
    expect(store.item(KEY)!.chargeFlags).toEqual(['tariff-invalid']);
    expect(store.item(KEY)!.energyMilliWh).toBe(7_000_000);
    expect(lines.some((l) => l.level === 'error' && l.message.includes('tariff snapshot is invalid'))).toBe(
      true,
    );
  });

  it('flags energy values it cannot use, without losing the usable ones', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    const message = readings('m1', [[10, 10_500]]);
    (message.meterValue[0]!.sampledValue as SampledValue[]).push({ value: '3', unit: 'MWh' });
    await recomputeBatch(deps, items(mv(message)));
    expect(store.item(KEY)!.chargeFlags).toEqual(['unusable-energy-values']);
    expect(store.item(KEY)!.energyMilliWh).toBe(500_000);
  });

  it('folds messages stored before a transaction created from its stop (start-missing)', async () => {
    const { deps, store } = memoryPricing();
    const early = readings('m1', [[10, 2_000]], '2026-03-02T08:11:00.000Z');
    store.putMeterMessage(KEY, early);
    // The meter values arrive before the transaction exists: nothing to price yet.
    expect((await recomputeBatch(deps, items(mv(early)))).outcomes['CP-1#7']).toBe('no-transaction');
    store.putTransaction(
      aTransaction({
        meterStart: undefined,
        startedAt: undefined,
        connectorId: undefined,
        tariffSnapshot: undefined,
        status: 'stopped',
        flags: ['start-missing'],
        meterStop: 5_000,
        stoppedAt: plus(40),
        createdAt: '2026-03-02T08:41:00.000Z',
        updatedAt: '2026-03-02T08:41:00.000Z',
      }),
    );
    await recomputeBatch(deps, items(txChanged('2026-03-02T08:41:00.000Z')));
    const item = store.item(KEY)!;
    // Started at the earliest reading (minute 10), a per-session register from 0: 5 000 Wh.
    expect(item.energyMilliWh).toBe(5_000_000);
    expect((item.aggregate as { startedAtMs: number }).startedAtMs).toBe(ms(at(plus(10))));
    expect(item.stopReceivedAt).toBe(at('2026-03-02T08:41:00Z'));
    expect(item.lastSampleReceivedAt).toBe(at('2026-03-02T08:11:00Z'));
  });

  it("folds afresh from every stored message once the charger's own stop replaced the platform's", async () => {
    const { deps, store } = memoryPricing({ now: '2026-03-02T08:31:00.000Z' });
    store.putTransaction(aTransaction({ meterStart: 0 }));
    const m1 = readings('m1', [[10, 2_000]], '2026-03-02T08:11:00.000Z');
    store.putMeterMessage(KEY, m1);
    await recomputeBatch(deps, items(txChanged(), mv(m1)));
    // The platform ended it at a new start at minute 30, on the highest reading it had.
    const platformStop = stop(store, {
      meterStop: 2_000,
      stoppedAt: plus(30),
      receivedAt: plus(30),
      stopMessageId: 'start-2',
    });
    store.patchTransaction(KEY, { flags: ['superseded-by-new-start'] });
    await recomputeBatch(deps, items(platformStop));
    // The charger's own stop: 2 400 Wh at minute 20, replacing the platform's (as OCPP writes it).
    store.patchTransaction(KEY, {
      meterStop: 2_400,
      stoppedAt: plus(20),
      stopMessageId: 'own-stop',
      updatedAt: plus(31),
      flags: ['stop-replaced-by-charger', 'superseded-by-new-start'],
    });
    expect((await recomputeBatch(deps, items(txChanged()))).outcomes['CP-1#7']).toBe('saved');
    const item = store.item(KEY)!;
    expect(item.energyMilliWh).toBe(2_400_000);
    const aggregate = item.aggregate as {
      register: { last: unknown }[];
      flags: { negativeDelta: boolean; meterReset: boolean };
    };
    // The platform's reading at minute 30 is gone, so the register never seems to fall.
    expect(aggregate.register.map((b) => b.last)).toEqual([{ atMs: ms(at(plus(20))), milliWh: 2_400_000 }]);
    expect(aggregate.flags).toMatchObject({ negativeDelta: false, meterReset: false });
    // The refold is deterministic: a replay writes nothing.
    const writes = store.writes;
    expect((await recomputeBatch(deps, items(txChanged()))).outcomes['CP-1#7']).toBe('unchanged');
    expect(store.writes).toBe(writes);
  });

  it('schedules the finaliser at the stop plus the settle window, and later on a later sample', async () => {
    const { deps, store } = memoryPricing({ now: '2026-03-02T08:20:40.000Z' });
    store.putTransaction(aTransaction());
    await recomputeBatch(
      deps,
      items(txChanged(), mv(readings('m1', [[10, 10_500]], '2026-03-02T08:10:01.000Z'))),
    );
    expect(store.timers.size).toBe(0);
    await recomputeBatch(
      deps,
      items(stop(store, { meterStop: 11_000, stoppedAt: plus(20), receivedAt: '2026-03-02T08:20:02.000Z' })),
    );
    expect(store.item(KEY)!.stopReceivedAt).toBe(at('2026-03-02T08:20:02Z'));
    expect([...store.timers.values()].map((t) => t.dueAt)).toEqual([at('2026-03-02T08:22:02Z')]);
    // A queued sample lands 30 s after the stop: the window restarts.
    await recomputeBatch(deps, items(mv(readings('m2', [[15, 10_800]], '2026-03-02T08:20:32.000Z'))));
    expect(store.item(KEY)!.finaliseDueAt).toBe(at('2026-03-02T08:22:32Z'));
    expect([...store.timers.values()].map((t) => t.dueAt).sort()).toEqual([
      at('2026-03-02T08:22:02Z'),
      at('2026-03-02T08:22:32Z'),
    ]);
  });

  it('schedules the finaliser before a card hold lapses', async () => {
    const { deps, store } = memoryPricing();
    const holdExpiresAt = at('2026-03-09T08:00:00Z');
    store.putTransaction(aTransaction({ holdExpiresAt }));
    await recomputeBatch(deps, items(txChanged()));
    expect([...store.timers.values()].map((t) => t.dueAt)).toEqual([holdExpiresAt - 3600]);
  });

  it('reports only the failing transaction for retry', async () => {
    const { deps, store } = memoryPricing();
    store.putTransaction(aTransaction());
    const other = { chargerId: 'CP-2', transactionId: 1 };
    store.putTransaction(aTransaction({ ...other }));
    const load = deps.charges.load.bind(deps.charges);
    deps.charges.load = async (key) => {
      if (key.chargerId === 'CP-2') throw new Error('ProvisionedThroughputExceededException');
      return load(key);
    };
    const batch = items(
      mv(readings('m1', [[10, 10_500]])),
      mv(readings('m2', [[10, 10_500]]), other),
      txChanged(undefined, other),
    );
    const report = await recomputeBatch(deps, batch);
    expect(report.failedIds).toEqual([batch[1]!.id, batch[2]!.id]);
    expect(store.item(KEY)!.chargeVersion).toBe(1);
  });

  it('flags a transaction whose stored data cannot be priced, reports nothing for retry, and prices the others', async () => {
    const { deps, store, lines } = memoryPricing();
    store.putTransaction(aTransaction());
    // As stored before StartTransaction refused negative readings.
    const poison = { chargerId: 'CP-POISON', transactionId: 1 };
    store.putTransaction(aTransaction({ ...poison, meterStart: -5 }));
    const batch = items(
      txChanged(undefined, poison),
      mv(readings('p1', [[10, 10_500]]), poison),
      mv(readings('m1', [[10, 10_500]])),
    );
    const report = await recomputeBatch(deps, batch);
    expect(report.failedIds).toEqual([]);
    expect(report.outcomes).toMatchObject({
      'CP-POISON#1': 'flagged',
      [`${KEY.chargerId}#${KEY.transactionId}`]: 'saved',
    });
    expect(store.item(poison)!.chargeFlags).toEqual(['pricing-input-invalid']);
    expect(store.item(poison)!.aggregate).toBeUndefined();
    expect(store.item(KEY)!.energyMilliWh).toBe(500_000);
    expect(lines.filter((l) => l.level === 'error' && l.message.includes('cannot be priced'))).toHaveLength(
      1,
    );

    // A later message for it is flagged again without a write or another error line.
    const writes = store.writes;
    const again = await recomputeBatch(deps, items(mv(readings('p2', [[12, 10_900]]), poison)));
    expect(again.failedIds).toEqual([]);
    expect(store.writes).toBe(writes);
    expect(lines.filter((l) => l.level === 'error' && l.message.includes('cannot be priced'))).toHaveLength(
      1,
    );
  });
});

describe('after finalisation', () => {
  async function finalised() {
    const m = memoryPricing();
    m.store.putTransaction(aTransaction());
    await recomputeBatch(
      m.deps,
      items(txChanged(), mv(readings('m1', [[10, 10_500]], '2026-03-02T08:10:00.000Z'))),
    );
    await recomputeBatch(
      m.deps,
      items(
        stop(m.store, { meterStop: 11_000, stoppedAt: plus(20), receivedAt: '2026-03-02T08:20:00.000Z' }),
      ),
    );
    m.store.patchTransaction(KEY, {
      finalisedAt: '2026-03-02T08:23:00.000Z',
      finalReason: 'settled',
      status: 'final',
      discrepancies: {},
    });
    return m;
  }

  it('records a sample that arrives after finalisation as a discrepancy, and keeps the final charge', async () => {
    const { deps, store } = await finalised();
    const charge = store.item(KEY)!.charge;
    const late = readings('late-1', [[25, 11_400]], '2026-03-02T08:30:00.000Z');
    await recomputeBatch(deps, items(mv(late)));
    const item = store.item(KEY)!;
    expect(item.charge).toEqual(charge);
    expect(item.discrepancies).toEqual({
      [meterMessageIdentity(late)]: {
        kind: 'sample-after-final',
        messageId: 'late-1',
        receivedAt: '2026-03-02T08:30:00.000Z',
        samples: 1,
        wouldChangeCharge: true,
      },
    });
    expect(item.chargeFlags).toEqual(['sample-after-final']);
    // A replay adds nothing and writes nothing.
    const writes = store.writes;
    await recomputeBatch(deps, items(mv(late)));
    expect(store.writes).toBe(writes);
  });

  it('records a late reading whose message id an earlier late reading had (the charger rebooted)', async () => {
    const { deps, store } = await finalised();
    const first = readings('late-1', [[25, 11_400]], '2026-03-02T08:30:00.000Z');
    const reused = readings('late-1', [[26, 11_450]], '2026-03-02T08:31:00.000Z');
    await recomputeBatch(deps, items(mv(first)));
    await recomputeBatch(deps, items(mv(reused)));
    const trail = Object.values(store.item(KEY)!.discrepancies ?? {});
    expect(trail.map((d) => d.receivedAt)).toEqual(['2026-03-02T08:30:00.000Z', '2026-03-02T08:31:00.000Z']);
  });

  it('does not record again a late reading recorded under its message id before content keys', async () => {
    const { deps, store } = await finalised();
    const late = readings('late-1', [[25, 11_400]], '2026-03-02T08:30:00.000Z');
    const legacy = {
      kind: 'sample-after-final' as const,
      messageId: 'late-1',
      receivedAt: '2026-03-02T08:30:00.000Z',
      samples: 1,
      wouldChangeCharge: true,
    };
    store.patchTransaction(KEY, { discrepancies: { 'late-1': legacy } });
    const writes = store.writes;
    await recomputeBatch(deps, items(mv(late)));
    expect(store.writes).toBe(writes);
    expect(store.item(KEY)!.discrepancies).toEqual({ 'late-1': legacy });
  });

  it('does not flag a replay of a message that was folded before finalisation', async () => {
    const { deps, store } = await finalised();
    const writes = store.writes;
    await recomputeBatch(deps, items(mv(readings('m1', [[10, 10_500]], '2026-03-02T08:10:00.000Z'))));
    expect(store.writes).toBe(writes);
    expect(store.item(KEY)!.discrepancies).toEqual({});
  });
});

describe('cost cap', () => {
  // £1.20/h + 45.5p/kWh + 50p: a 22 kW session gains about 55p every 5 minutes.
  const fiveMinutes = (i: number) => readings(`m${i}`, [[5 * i, 10_000 + 1_833 * i]]);

  it('stops the session once, when the next interval would pass the pre-auth less the margin', async () => {
    const { deps, store, commands } = memoryPricing();
    // pre-auth £5.00, margin max(5 %, 50p) = 50p: the charge must stay under 450p.
    store.putTransaction(aTransaction({ preAuthAmountMinor: 500 }));
    await recomputeBatch(deps, items(txChanged()));
    let i = 1;
    while (commands.sent.length === 0 && i < 40) {
      await recomputeBatch(deps, items(mv(fiveMinutes(i))));
      i++;
    }
    expect(commands.sent).toEqual([KEY]);
    const item = store.item(KEY)!;
    const costCap = item.costCap as Record<string, number | string>;
    expect(costCap).toMatchObject({
      reason: 'projected-over-limit',
      limitMinor: 450,
      preAuthAmountMinor: 500,
      status: 'sent',
      messageId: 'stop-1',
    });
    const gross = (item.charge as { totals: { grossMinor: number } }).totals.grossMinor;
    expect(gross).toBeLessThanOrEqual(450);
    expect(costCap.projectedGrossMinor).toBeGreaterThan(450);
    // More samples (and replays) before the charger stops: no second stop.
    await recomputeBatch(deps, items(mv(fiveMinutes(i)), mv(fiveMinutes(i - 1))));
    await recomputeBatch(deps, items(mv(fiveMinutes(i))));
    expect(commands.sent).toHaveLength(1);
  });

  it('records a stop that could not be sent', async () => {
    const { deps, store, commands } = memoryPricing();
    store.putTransaction(aTransaction({ preAuthAmountMinor: 100 }));
    commands.failWith = Object.assign(new Error('charger CP-1 is not connected'), { name: 'OcppError' });
    await recomputeBatch(deps, items(mv(fiveMinutes(1))));
    expect(store.item(KEY)!.costCap).toMatchObject({
      reason: 'limit-reached',
      status: 'send-failed',
      error: 'OcppError: charger CP-1 is not connected',
    });
  });

  it('tries a stop that could not be sent again with the next update, and stops trying after 5 sends', async () => {
    const { deps, store, commands } = memoryPricing();
    store.putTransaction(aTransaction({ preAuthAmountMinor: 100 }));
    commands.failWith = Object.assign(new Error('charger CP-1 is not connected'), { name: 'OcppError' });
    await recomputeBatch(deps, items(mv(fiveMinutes(1))));
    expect(store.item(KEY)!.costCap).toMatchObject({ status: 'send-failed', attempts: 1 });

    commands.failWith = undefined;
    await recomputeBatch(deps, items(mv(fiveMinutes(2))));
    expect(commands.sent).toEqual([KEY]);
    const retried = store.item(KEY)!.costCap as Record<string, unknown>;
    expect(retried).toMatchObject({
      reason: 'limit-reached',
      status: 'sent',
      attempts: 2,
      messageId: 'stop-1',
    });
    expect(retried.error).toBeUndefined();
    await recomputeBatch(deps, items(mv(fiveMinutes(3))));
    expect(commands.sent).toHaveLength(1);

    const { deps: deps2, store: store2, commands: commands2 } = memoryPricing();
    store2.putTransaction(aTransaction({ preAuthAmountMinor: 100 }));
    commands2.failWith = new Error('offline');
    for (let i = 1; i <= 8; i++) await recomputeBatch(deps2, items(mv(fiveMinutes(i))));
    expect(store2.item(KEY)!.costCap).toMatchObject({ status: 'send-failed', attempts: 5 });
  });

  it('does nothing without a pre-auth amount or once the session has stopped', async () => {
    const { deps, store, commands } = memoryPricing();
    store.putTransaction(aTransaction());
    await recomputeBatch(deps, items(mv(fiveMinutes(30))));
    stop(store, { meterStop: 70_000, stoppedAt: plus(151), receivedAt: '2026-03-02T10:31:00.000Z' });
    store.patchTransaction(KEY, { preAuthAmountMinor: 100 });
    await recomputeBatch(deps, items(txChanged()));
    expect(commands.sent).toEqual([]);
    expect(store.item(KEY)!.costCap).toBeUndefined();
  });
});
