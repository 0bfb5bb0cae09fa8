import { beforeEach, describe, expect, it } from 'vitest';
import {
  aCharger,
  anOperator,
  CHARGER_ID,
  energySample,
  OPERATOR_ID,
  TestCharger,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

let m: MemoryOcpp;
let cp: TestCharger;
const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: '2026-11-01T09:00:00Z' };

beforeEach(() => {
  m = createMemoryOcppDeps();
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
      { ...start, timestamp: '2026-11-01T09:00:00.000+00:00' },
      'start-2',
    );
    expect(again).toEqual(first);
    expect(m.store.snapshot()).toBe(before);
    expect(m.store.transactions.size).toBe(1);
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
    const mv = { connectorId: 1, transactionId: 1, meterValue: [energySample('2026-11-01T09:01:00Z', 1100)] };
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
      timestamp: '2026-11-01T10:00:00Z',
      transactionData: [energySample('2026-11-01T10:00:00Z', 2000)],
    };
    await cp.ok('StopTransaction', stop, 'stop-1');
    const before = m.store.snapshot();
    m.clock.advance(60_000);
    await cp.ok('StopTransaction', stop, 'stop-1');
    expect(m.store.snapshot()).toBe(before);
  });

  it('a second, different stop keeps the first and flags the transaction', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok(
      'StopTransaction',
      { transactionId: 1, meterStop: 2000, timestamp: '2026-11-01T10:00:00Z' },
      'stop-1',
    );
    await cp.ok(
      'StopTransaction',
      { transactionId: 1, meterStop: 2500, timestamp: '2026-11-01T10:05:00Z' },
      'stop-2',
    );
    expect(await m.deps.transactions.get(CHARGER_ID, 1)).toMatchObject({
      meterStop: 2000,
      stopMessageId: 'stop-1',
      flags: ['stop-conflict'],
    });
  });
});

describe('offline and out of order', () => {
  it('MeterValues after StopTransaction are stored, attached and flagged', async () => {
    await cp.ok('StartTransaction', start);
    await cp.ok('StopTransaction', { transactionId: 1, meterStop: 2000, timestamp: '2026-11-01T10:00:00Z' });
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample('2026-11-01T09:30:00Z', 1500)],
    });
    const mvs = await m.deps.transactions.meterValuesOf(CHARGER_ID, 1);
    expect(mvs).toHaveLength(1);
    expect(mvs[0]).toMatchObject({ transactionId: 1, flags: ['after-stop'] });
  });

  it('Stop before Start: the stop creates a consistent, flagged transaction; late MeterValues attach', async () => {
    m.store.putCharger(aCharger({ tariffId: 'tariff-1' }));
    m.store.putTariff(OPERATOR_ID, 'tariff-1', { tariffId: 'tariff-1', energyPerKwh: 35 });
    const stopReply = await cp.ok('StopTransaction', {
      transactionId: 7,
      meterStop: 9000,
      timestamp: '2026-11-01T09:30:00Z',
      idTag: 'TAG-1',
      reason: 'Local',
      transactionData: [energySample('2026-11-01T09:30:00Z', 9000)],
    });
    expect(stopReply).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await m.deps.transactions.get(CHARGER_ID, 7)).toMatchObject({
      transactionId: 7,
      status: 'stopped',
      flags: ['start-missing'],
      meterStop: 9000,
      stoppedAt: '2026-11-01T09:30:00.000Z',
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
      meterValue: [energySample('2026-11-01T09:10:00Z', 8000)],
    });
    const mvs = await m.deps.transactions.meterValuesOf(CHARGER_ID, 7);
    expect(mvs.map((r) => r.source).sort()).toEqual(['MeterValues', 'StopTransaction']);
    // the counter never hands out an id a charger already used
    expect(await cp.ok('StartTransaction', start)).toMatchObject({ transactionId: 8 });
  });

  it('MeterValues for an unknown transaction are stored and flagged', async () => {
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 42,
      meterValue: [energySample('2026-11-01T09:00:00Z', 1)],
    });
    expect(await m.deps.transactions.meterValuesOf(CHARGER_ID, 42)).toMatchObject([
      { flags: ['unknown-transaction'] },
    ]);
  });

  it('samples keep their own (past) timestamps', async () => {
    await cp.ok('StartTransaction', start);
    m.clock.set('2026-11-03T00:00:00Z');
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [energySample('2026-11-01T09:20:00Z', 1300), energySample('2026-11-01T09:10:00', 1200)],
    });
    const [mv] = await m.deps.transactions.meterValuesOf(CHARGER_ID, 1);
    expect(mv?.meterValue.map((v) => v.timestamp)).toEqual([
      '2026-11-01T09:20:00.000Z',
      '2026-11-01T09:10:00.000Z',
    ]);
    expect(mv?.receivedAt).toBe('2026-11-03T00:00:00.000Z');
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
