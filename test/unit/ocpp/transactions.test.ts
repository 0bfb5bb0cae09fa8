import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import {
  aCharger,
  anIdTag,
  anOperator,
  CHARGER_ID,
  energySample,
  OPERATOR_ID,
  TestCharger,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';
import { chargerIsoAt, isoAt, thisMinuteMs } from '../../fixtures/time.js';

/** The platform's clock stands at T0; chargers report times around it. */
const T0 = thisMinuteMs();
const iso = (offset: string) => isoAt(T0, offset);
const at = (offset: string) => chargerIsoAt(T0, offset);

let m: MemoryOcpp;
let cp: TestCharger;
const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: at('-1h') };

beforeEach(() => {
  m = createMemoryOcppDeps({ clock: new ManualClock(T0) });
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger());
  cp = new TestCharger(m);
});

describe('duplicate StartTransaction', () => {
  it('same message id after a reconnect: same transaction id, nothing written', async () => {
    const first = await cp.ok('StartTransaction', start, 'start-1');
    const before = m.store.snapshot();
    const again = await cp.ok('StartTransaction', start, 'start-1');
    expect(again).toEqual(first);
    expect(m.store.snapshot()).toBe(before);
  });

  it('new message id, same connector+timestamp+idTag+meterStart: same transaction id, nothing written', async () => {
    const first = await cp.ok('StartTransaction', start, 'start-1');
    const before = m.store.snapshot();
    // the same instant written another way is the same start
    const again = await cp.ok(
      'StartTransaction',
      { ...start, timestamp: iso('-1h').replace('Z', '+00:00') },
      'start-2',
    );
    expect(again).toEqual(first);
    expect(m.store.snapshot()).toBe(before);
    expect(m.store.transactions.size).toBe(1);
  });

  it('a replay gets the idTagInfo of the first answer, even after the tag was blocked', async () => {
    m.store.putIdTag(anIdTag({ expiresAt: iso('+30d') }));
    const first = await cp.ok('StartTransaction', start, 'start-1');
    expect(first).toMatchObject({ idTagInfo: { status: 'Accepted', expiryDate: iso('+30d') } });
    m.store.putIdTag(anIdTag({ blocked: true }));
    expect(await cp.ok('StartTransaction', start, 'start-2')).toEqual(first);
  });

  it('concurrent copies of one start get one transaction', async () => {
    const replies = await Promise.all([
      cp.ok<{ transactionId: number }>('StartTransaction', start, 'a'),
      cp.ok<{ transactionId: number }>('StartTransaction', start, 'b'),
      cp.ok<{ transactionId: number }>('StartTransaction', start, 'c'),
    ]);
    expect(new Set(replies.map((r) => r.transactionId)).size).toBe(1);
    expect(m.store.transactions.size).toBe(1);
  });

  it('a different start on the same connector and instant is a transaction of its own', async () => {
    const a = await cp.ok<{ transactionId: number }>('StartTransaction', start, 's1');
    const b = await cp.ok<{ transactionId: number }>(
      'StartTransaction',
      { ...start, meterStart: 2000 },
      's2',
    );
    expect(b.transactionId).not.toBe(a.transactionId);
  });
});

describe('repeated CALLs write nothing twice', () => {
  it('MeterValues', async () => {
    await cp.ok('StartTransaction', start);
    const mv = { connectorId: 1, transactionId: 1, meterValue: [energySample(at('-59m'), 1100)] };
    await cp.ok('MeterValues', mv, 'mv-1');
    const before = m.store.snapshot();
    m.clock.advance(60_000);
    await cp.ok('MeterValues', mv, 'mv-1');
    expect(m.store.snapshot()).toBe(before);
  });

  it('StopTransaction', async () => {
    await cp.ok('StartTransaction', start);
    const stop = {
      transactionId: 1,
      meterStop: 2000,
      timestamp: at('0'),
      transactionData: [energySample(at('0'), 2000)],
    };
    await cp.ok('StopTransaction', stop, 'stop-1');
    const before = m.store.snapshot();
    m.clock.advance(60_000);
    await cp.ok('StopTransaction', stop, 'stop-1');
    expect(m.store.snapshot()).toBe(before);
  });

  it('a second, different stop keeps the first and flags the transaction', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: at('0') }, 'stop-1');
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2500, timestamp: at('+5m') }, 'stop-2');
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      meterStop: 2000,
      stopMessageId: 'stop-1',
      flags: ['stop-conflict'],
    });
  });

  it('the identical stop under a new message id is a retransmission, not a conflict', async () => {
    await cp.ok('StartTransaction', start);
    const stop = { transactionId: 1, meterStop: 2000, timestamp: at('0'), reason: 'Local', idTag: 'TAG-1' };
    await cp.ok('StopTransaction', stop, 'stop-1');
    const before = m.store.snapshot();
    // the same instant written another way, the tag in another case: still the same stop
    await cp.ok('StopTransaction', { ...stop, timestamp: iso('0'), idTag: 'tag-1' }, 'stop-2');
    expect(m.store.snapshot()).toBe(before);
  });

  it('a different stop under the message id of the first is a conflict (ids are reused after a reboot)', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: at('0') }, '5');
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: at('+1m') }, '5');
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      stoppedAt: iso('0'),
      flags: ['stop-conflict'],
    });
  });
});

describe('offline and out of order', () => {
  // OCPP stores these without reading the transaction; the recompute labels them after-stop or
  // unknown-transaction from the transaction it reads (test/unit/pricing/meter-message-flags.test.ts).
  it('MeterValues after StopTransaction are stored and attached (the recompute flags them)', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: at('0') });
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample(at('-30m'), 1500)],
    });
    const mvs = await m.deps.transactions.meterValuesOf(CHARGER_ID, 1);
    expect(mvs).toHaveLength(1);
    expect(mvs[0]).toMatchObject({ transactionId: 1, flags: [] });
  });

  it('Stop before Start: the stop creates a consistent, flagged transaction; late MeterValues attach', async () => {
    m.store.putCharger(aCharger({ tariffId: 'tariff-1' }));
    m.store.putTariff(OPERATOR_ID, 'tariff-1', { tariffId: 'tariff-1', energyPerKwh: 35 });
    const stopReply = await cp.ok('StopTransaction', {
      transactionId: 7,
      meterStop: 9000,
      timestamp: at('-30m'),
      idTag: 'TAG-1',
      reason: 'Local',
      transactionData: [energySample(at('-30m'), 9000)],
    });
    expect(stopReply).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await m.deps.transactions.get(CHARGER_ID, 7)).toMatchObject({
      transactionId: 7,
      status: 'stopped',
      flags: ['start-missing'],
      meterStop: 9000,
      stoppedAt: iso('-30m'),
      idTag: 'TAG-1',
      stopReason: 'Local',
    });
    // Priced with the tariff in force now rather than left unbilled; the flag tells the operator.
    expect((await m.deps.transactions.get(CHARGER_ID, 7))?.tariffSnapshot).toEqual({
      tariffId: 'tariff-1',
      energyPerKwh: 35,
    });
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 7,
      meterValue: [energySample(at('-50m'), 8000)],
    });
    const mvs = await m.deps.transactions.meterValuesOf(CHARGER_ID, 7);
    expect(mvs.map((r) => r.source).sort()).toEqual(['MeterValues', 'StopTransaction']);
    // the counter never hands out an id a charger already used
    expect(await cp.ok('StartTransaction', start)).toMatchObject({ transactionId: 8 });
  });

  it('MeterValues for an unknown transaction are stored (the recompute flags them)', async () => {
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 42,
      meterValue: [energySample(at('-1h'), 1)],
    });
    expect(await m.deps.transactions.meterValuesOf(CHARGER_ID, 42)).toMatchObject([
      { transactionId: 42, flags: [] },
    ]);
  });

  it('samples keep their own (past) timestamps', async () => {
    await cp.ok('StartTransaction', start);
    m.clock.set(at('+1d14h'));
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample(at('-40m'), 1300), energySample(at('-50m').replace('Z', ''), 1200)],
    });
    const [mv] = await m.deps.transactions.meterValuesOf(CHARGER_ID, 1);
    expect(mv?.meterValue.map((v) => v.timestamp)).toEqual([iso('-40m'), iso('-50m')]);
    expect(mv?.receivedAt).toBe(iso('+1d14h'));
  });

  it('a start whose id was taken by a stop-created transaction takes the next id', async () => {
    await m.deps.transactions.createFromStop({
      chargerId: CHARGER_ID,
      transactionId: 1,
      operatorId: 'op-1',
      status: 'stopped',
      flags: ['start-missing'],
      createdAt: 'x',
      updatedAt: 'x',
    });
    expect(await cp.ok('StartTransaction', start)).toMatchObject({ transactionId: 2 });
  });
});
