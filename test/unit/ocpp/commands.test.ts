import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import {
  awaitCommandResult,
  changeConfiguration,
  decodeCallId,
  getConfiguration,
  remoteStartTransaction,
  reset,
  sendCommand,
  setTransactionPowerLimit,
  sweepCalls,
  triggerMessage,
  txPowerLimitProfile,
} from '../../../shared/app/ocpp/index.js';
import { ocppSessionCharger } from '../../../shared/app/ocpp/session-charger-port.js';
import { OcppError } from '../../../shared/ocpp/errors.js';
import {
  aCharger,
  anOperator,
  aSession,
  CHARGER_ID,
  OPERATOR_ID,
  TestCharger,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';
import { isoAt, thisMinuteMs } from '../../fixtures/time.js';

/** The platform's clock stands at T0. */
const T0 = thisMinuteMs();
const iso = (offset: string) => isoAt(T0, offset);

let m: MemoryOcpp;
let cp: TestCharger;

beforeEach(async () => {
  m = createMemoryOcppDeps({ settings: { callTimeoutSeconds: 30 }, clock: new ManualClock(T0) });
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger());
  const s = aSession();
  await m.deps.connections.open({
    connectionId: s.connectionId,
    chargerId: s.chargerId,
    operatorId: s.operatorId,
    protocol: 'ocpp1.6',
    connectedAt: 1,
    domainName: s.domainName,
    stage: s.stage,
  });
  cp = new TestCharger(m, s);
});

const sentFrames = () => m.gateway.framesTo('conn-1') as [number, string, string, unknown][];

describe('sendCommand', () => {
  it('stores the call and posts the CALL frame to the charger connection', async () => {
    const handle = await remoteStartTransaction(m.deps, CHARGER_ID, { idTag: 'TAG-1', connectorId: 1 });
    expect(sentFrames()).toEqual([
      [2, handle.messageId, 'RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 }],
    ]);
    expect(decodeCallId(handle.callId)).toMatchObject({ chargerId: CHARGER_ID, messageId: handle.messageId });
    expect(await m.deps.calls.get(decodeCallId(handle.callId))).toMatchObject({
      status: 'sent',
      action: 'RemoteStartTransaction',
      deadline: iso('+30s'),
    });
  });

  it('refuses an offline charger, another operator, and a payload the schema refuses', async () => {
    await expect(reset(m.deps, 'CP-OFF', { type: 'Soft' })).rejects.toMatchObject({ code: 'ChargerOffline' });
    await expect(reset(m.deps, CHARGER_ID, { type: 'Soft' }, { operatorId: 'other' })).rejects.toMatchObject({
      code: 'SecurityError',
    });
    await expect(
      sendCommand(m.deps, { chargerId: CHARGER_ID, action: 'Reset', payload: { type: 'Warm' as 'Hard' } }),
    ).rejects.toBeInstanceOf(OcppError);
    expect(m.gateway.sent).toHaveLength(0);
  });

  it('keeps one outstanding call per charger; the others queue and go out in order', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    m.clock.advance(1);
    const b = await remoteStartTransaction(m.deps, CHARGER_ID, { idTag: 'T' });
    m.clock.advance(1);
    const c = await reset(m.deps, CHARGER_ID, { type: 'Hard' });
    expect(sentFrames().map((f) => f[1])).toEqual([a.messageId]);

    await cp.raw(JSON.stringify([3, a.messageId, { status: 'Accepted' }]));
    expect(sentFrames().map((f) => f[1])).toEqual([a.messageId, b.messageId]);
    await cp.raw(JSON.stringify([4, b.messageId, 'NotSupported', 'no remote start here', {}]));
    expect(sentFrames().map((f) => f[1])).toEqual([a.messageId, b.messageId, c.messageId]);

    expect(await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect(await awaitCommandResult(m.deps, b.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'failed',
      error: { code: 'NotSupported', description: 'no remote start here', source: 'charger' },
    });
    expect(await awaitCommandResult(m.deps, c.callId, { timeoutMs: 0 })).toMatchObject({ status: 'pending' });
  });

  it('validates the charger reply against the .conf schema', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    await cp.raw(JSON.stringify([3, a.messageId, { status: 'Maybe' }]));
    expect(await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'failed',
      error: { code: 'PropertyConstraintViolation', source: 'platform' },
    });
  });

  it('ignores a reply that matches no outstanding call, and never answers it', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    expect(await cp.raw(JSON.stringify([3, 'not-ours', { status: 'Accepted' }]))).toBeUndefined();
    expect(await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).toMatchObject({ status: 'pending' });
  });

  it('reports the call not sent when the connection is gone', async () => {
    m.gateway.gone.add('conn-1');
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' });
    expect(await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'not-sent',
      error: { code: 'ChargerOffline', source: 'platform' },
    });
    expect(await m.deps.calls.outstanding(CHARGER_ID)).toBeUndefined();
  });
});

describe('timeouts', () => {
  it('the sweeper times out an unanswered call and sends the next queued one', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 10 });
    m.clock.advance(1);
    const b = await reset(m.deps, CHARGER_ID, { type: 'Hard' }, { timeoutSeconds: 60 });
    m.clock.advance(10_000);
    expect(await sweepCalls(m.deps)).toEqual({ timedOut: 1, chargers: 1 });
    expect((await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).status).toBe('timeout');
    expect(sentFrames().map((f) => f[1])).toEqual([a.messageId, b.messageId]);
    // the late answer to the timed-out call changes nothing
    await cp.raw(JSON.stringify([3, a.messageId, { status: 'Accepted' }]));
    expect((await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).status).toBe('timeout');
    expect((await awaitCommandResult(m.deps, b.callId, { timeoutMs: 0 })).status).toBe('pending');
  });

  it('a call still queued at its queue deadline ends not sent, and says so (not "no answer")', async () => {
    await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 60 });
    const b = await sendCommand(m.deps, {
      chargerId: CHARGER_ID,
      action: 'Reset',
      payload: { type: 'Hard' },
      queueSeconds: 5,
    });
    m.clock.advance(6_000);
    await sweepCalls(m.deps);
    expect(await awaitCommandResult(m.deps, b.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'not-sent',
      error: { code: 'ChargerBusy', source: 'platform' },
    });
    expect(sentFrames()).toHaveLength(1);
  });

  it('defect 4: a command queued behind an unanswered one goes out when that one times out, with its own full answer time', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 10 });
    m.clock.advance(1_000);
    const b = await reset(m.deps, CHARGER_ID, { type: 'Hard' }, { timeoutSeconds: 10 });
    // Waiting in the queue: it may wait four answer timeouts before it is given up.
    expect((await m.deps.calls.get(decodeCallId(b.callId)))?.deadline).toBe(iso('+41s'));

    m.clock.advance(9_000);
    // Whoever sees the first call expire restarts the queue: here its caller, with no sweep.
    expect((await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).status).toBe('timeout');
    expect(sentFrames().map((f) => f[1])).toEqual([a.messageId, b.messageId]);
    expect(await m.deps.calls.get(decodeCallId(b.callId))).toMatchObject({
      status: 'sent',
      sentAt: iso('+10s'),
      deadline: iso('+20s'),
    });

    m.clock.advance(9_000);
    await cp.raw(JSON.stringify([3, b.messageId, { status: 'Accepted' }]));
    expect(await awaitCommandResult(m.deps, b.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
  });

  it('awaiting a queued call moves its queue on once the call ahead of it expires', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 2 });
    const b = await reset(m.deps, CHARGER_ID, { type: 'Hard' }, { timeoutSeconds: 30 });
    const sleep = async (ms: number) => {
      m.clock.advance(ms);
      const sentB = sentFrames().some((f) => f[1] === b.messageId);
      if (sentB) await cp.raw(JSON.stringify([3, b.messageId, { status: 'Accepted' }]));
    };
    expect(
      await awaitCommandResult(m.deps, b.callId, { timeoutMs: 10_000, pollMs: 500, sleep }),
    ).toMatchObject({ status: 'succeeded' });
    expect((await awaitCommandResult(m.deps, a.callId, { timeoutMs: 0 })).status).toBe('timeout');
    expect(m.clock.now() - T0).toBeLessThanOrEqual(3_000);
  });

  it('awaitCommandResult polls until the reply, and times the call out itself at its deadline', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 2 });
    let polls = 0;
    const sleep = async (ms: number) => {
      polls++;
      m.clock.advance(ms);
      if (polls === 3) await cp.raw(JSON.stringify([3, a.messageId, { status: 'Rejected' }]));
    };
    expect(
      await awaitCommandResult(m.deps, a.callId, { timeoutMs: 5_000, pollMs: 100, sleep }),
    ).toMatchObject({
      status: 'succeeded',
      result: { status: 'Rejected' },
    });

    const b = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 1 });
    const tick = async (ms: number) => m.clock.advance(ms);
    expect(
      (await awaitCommandResult(m.deps, b.callId, { timeoutMs: 5_000, pollMs: 250, sleep: tick })).status,
    ).toBe('timeout');
    expect(await m.deps.calls.outstanding(CHARGER_ID)).toBeUndefined();
  });

  it('awaitCommandResult gives up with pending when its own wait ends first', async () => {
    const a = await reset(m.deps, CHARGER_ID, { type: 'Soft' }, { timeoutSeconds: 60 });
    const tick = async (ms: number) => m.clock.advance(ms);
    expect(
      (await awaitCommandResult(m.deps, a.callId, { timeoutMs: 1000, pollMs: 200, sleep: tick })).status,
    ).toBe('pending');
  });
});

describe('defect 6: chargers the platform has not accepted', () => {
  it('a Pending charger is sent configuration and trigger calls only', async () => {
    m.store.putCharger(aCharger({ registration: 'pending' }));
    for (const refused of [
      () => remoteStartTransaction(m.deps, CHARGER_ID, { idTag: 'T', connectorId: 1 }),
      () => reset(m.deps, CHARGER_ID, { type: 'Soft' }),
    ]) {
      await expect(refused()).rejects.toMatchObject({
        code: 'ChargerNotAccepted',
        details: { registration: 'pending' },
      });
    }
    expect(sentFrames()).toEqual([]);
    await getConfiguration(m.deps, CHARGER_ID, {});
    await changeConfiguration(m.deps, CHARGER_ID, { key: 'HeartbeatInterval', value: '60' });
    await cp.raw(JSON.stringify([3, sentFrames()[0]?.[1], { configurationKey: [] }]));
    await triggerMessage(m.deps, CHARGER_ID, { requestedMessage: 'BootNotification' });
    expect(sentFrames().map((f) => f[2])).toEqual(['GetConfiguration', 'ChangeConfiguration']);
  });

  it('a Rejected charger, or one the platform has no record of, is sent nothing', async () => {
    m.store.putCharger(aCharger({ registration: 'rejected' }));
    await expect(getConfiguration(m.deps, CHARGER_ID, {})).rejects.toMatchObject({
      code: 'ChargerNotAccepted',
    });
    await expect(triggerMessage(m.deps, CHARGER_ID, { requestedMessage: 'Heartbeat' })).rejects.toMatchObject(
      {
        code: 'ChargerNotAccepted',
      },
    );
    expect(sentFrames()).toEqual([]);
  });

  it("the driver's start is refused before anything is sent, so the flow cancels the hold", async () => {
    m.store.putCharger(aCharger({ registration: 'pending' }));
    const charger = ocppSessionCharger(m.deps);
    await expect(charger.remoteStart(CHARGER_ID, 1, 'TAG-1', 0)).rejects.toMatchObject({
      code: 'ChargerNotAccepted',
    });
    expect(sentFrames()).toEqual([]);
    expect(await m.deps.calls.open()).toEqual([]);
  });
});

describe('SetChargingProfile power limit', () => {
  it('builds a TxProfile that passes the schema and sends it', async () => {
    expect(txPowerLimitProfile({ limitW: 7400, transactionId: 3, chargingProfileId: 9 })).toEqual({
      chargingProfileId: 9,
      transactionId: 3,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }] },
    });
    await setTransactionPowerLimit(m.deps, {
      chargerId: CHARGER_ID,
      connectorId: 1,
      limitW: 3600,
      transactionId: 3,
      chargingProfileId: 1,
      operatorId: OPERATOR_ID,
    });
    expect(sentFrames()[0]?.[2]).toBe('SetChargingProfile');
    expect(() => txPowerLimitProfile({ limitW: 1.5, transactionId: 1, chargingProfileId: 1 })).toThrow(
      OcppError,
    );
  });
});
