/**
 * A charger session end to end through the embedded platform: an ocpp-rpc client in strict mode
 * (it validates every frame both ways against the official 1.6 schemas) connects over WebSocket
 * with basic auth, runs Boot → Status → Authorize → Start → 10 × MeterValues → Stop, then takes a
 * RemoteStart and a RemoteStop the platform sends through sendCommand. The stored records are read
 * back from DynamoDB Local.
 */
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO } from '../../local/seed.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import {
  awaitCommandResult,
  remoteStartTransaction,
  remoteStopTransaction,
} from '../../shared/app/ocpp/index.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import { silentLog } from '../../shared/ports/log.js';
import { partition } from '../fixtures/ocpp/dynamo.js';
import { isoAt, msAt, thisMinuteMs } from '../fixtures/time.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const deps = createOcppDeps({
  tableName: platform.tableName,
  region: 'local',
  dynamoEndpoint: platform.endpoints.dynamoEndpoint,
  connectionsEndpoint: platform.endpoints.connectionsUrl,
  heartbeatIntervalSeconds: 300,
  callTimeoutSeconds: 10,
  doc,
  log: silentLog,
});

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

function charger(over: Partial<ClientOptions> = {}): RPCClient {
  return new RPCClient({
    endpoint: platform.endpoints.ocppUrl,
    identity: DEMO.chargerId,
    protocols: ['ocpp1.6'],
    strictMode: true,
    password: DEMO.chargerPassword,
    reconnect: false,
    ...over,
  } as ClientOptions);
}

const call = <T>(client: RPCClient, action: string, payload: unknown) =>
  client.call(action, payload) as Promise<T>;

/** The HTTP status the upgrade was refused with (ocpp-rpc's UnexpectedHttpResponse carries it). */
async function refusal(client: RPCClient): Promise<number | undefined> {
  try {
    await client.connect();
    await client.close({ force: true });
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

/** The session began half an hour ago by the charger's clock; `at(minute)` is a minute into it. */
const SESSION_START = msAt(thisMinuteMs(), '-30m');
const at = (minute: number) => isoAt(SESSION_START, `+${minute}m`);
const energy = (minute: number, wh: number) => ({
  timestamp: at(minute),
  sampledValue: [
    {
      value: String(wh),
      context: 'Sample.Periodic',
      measurand: 'Energy.Active.Import.Register',
      unit: 'Wh',
      location: 'Outlet',
      format: 'Raw',
    },
    { value: String(7000 + minute), measurand: 'Power.Active.Import', unit: 'W', phase: 'L1' },
  ],
});

describe('refused at upgrade', () => {
  // Failed logins count against the source address too (login back-off): they come from a loopback
  // address of their own, so the demo charger's next connects from 127.0.0.1 are not held back.
  const elsewhere = { wsOpts: { localAddress: '127.0.0.5' } } as Partial<ClientOptions>;

  it('a wrong password (403)', async () => {
    expect(await refusal(charger({ password: 'not-the-password', ...elsewhere }))).toBe(403);
  });

  it('an unknown charger (403)', async () => {
    expect(await refusal(charger({ identity: 'NOBODY-KNOWS-ME', password: 'x', ...elsewhere }))).toBe(403);
  });

  it('no credentials (401)', async () => {
    expect(await refusal(charger({ password: null }))).toBe(401);
  });

  it('no subprotocol we speak (400)', async () => {
    expect(await refusal(charger({ protocols: ['ocpp2.0.1'] }))).toBe(400);
    expect(await refusal(charger({ protocols: [], strictMode: false }))).toBe(400);
  });
});

describe('a charging session', () => {
  const cp = charger();
  let remoteStarts = 0;
  let remoteStops = 0;

  beforeAll(async () => {
    cp.handle('RemoteStartTransaction', async ({ params }) => {
      remoteStarts++;
      expect(params).toMatchObject({ idTag: DEMO.idTag, connectorId: 2 });
      return { status: 'Accepted' };
    });
    cp.handle('RemoteStopTransaction', async () => {
      remoteStops++;
      return { status: 'Accepted' };
    });
    await cp.connect();
    expect(cp.protocol).toBe('ocpp1.6');
  });

  afterAll(async () => {
    await cp.close({ force: true });
  });

  it('Boot → Status → Authorize → Start → 10 × MeterValues → Stop, stored exactly', async () => {
    const boot = await call<{ status: string; interval: number }>(cp, 'BootNotification', {
      chargePointVendor: 'ITest',
      chargePointModel: 'Sim-1',
      firmwareVersion: '0.1',
    });
    expect(boot).toMatchObject({ status: 'Accepted' });
    expect(boot.interval).toBeGreaterThan(0);
    expect(boot.interval).toBeLessThan(600);

    expect(
      await cp.call('StatusNotification', {
        connectorId: 1,
        errorCode: 'NoError',
        status: 'Preparing',
        timestamp: at(0),
      }),
    ).toEqual({});
    expect(await cp.call('Authorize', { idTag: DEMO.idTag })).toEqual({ idTagInfo: { status: 'Accepted' } });

    const started = await call<{ idTagInfo: unknown; transactionId: number }>(cp, 'StartTransaction', {
      connectorId: 1,
      idTag: DEMO.idTag,
      meterStart: 10_000,
      timestamp: at(0),
    });
    expect(started.idTagInfo).toEqual({ status: 'Accepted' });
    const txId: number = started.transactionId;

    const sent = [];
    for (let i = 1; i <= 10; i++) {
      const mv = energy(i, 10_000 + i * 150);
      sent.push(mv);
      expect(await cp.call('MeterValues', { connectorId: 1, transactionId: txId, meterValue: [mv] })).toEqual(
        {},
      );
    }
    expect(
      await cp.call('StopTransaction', {
        transactionId: txId,
        meterStop: 11_500,
        timestamp: at(11),
        reason: 'EVDisconnected',
      }),
    ).toEqual({});

    const tx = await deps.transactions.get(DEMO.chargerId, txId);
    expect(tx).toMatchObject({
      operatorId: DEMO.operatorId,
      connectorId: 1,
      idTag: DEMO.idTag,
      meterStart: 10_000,
      meterStop: 11_500,
      startedAt: at(0),
      stoppedAt: at(11),
      stopReason: 'EVDisconnected',
      flags: [],
    });
    // Stopped, then final once the settle window (2 s in the test platform) has passed without a
    // late sample and the platform's finaliser has run.
    await expect
      .poll(async () => (await deps.transactions.get(DEMO.chargerId, txId))?.status, { timeout: 20_000 })
      .toBe('final');
    expect(tx?.tariffSnapshot).toBeDefined();
    const stored = await deps.transactions.meterValuesOf(DEMO.chargerId, txId);
    expect(stored).toHaveLength(10);
    expect(
      stored.flatMap((r) => r.meterValue).sort((a, b) => a.timestamp.localeCompare(b.timestamp)),
    ).toEqual(sent);
    expect(stored.every((r) => r.source === 'MeterValues' && r.flags.length === 0)).toBe(true);
  });

  it('RemoteStart and RemoteStop through sendCommand', async () => {
    const start = await remoteStartTransaction(
      deps,
      DEMO.chargerId,
      { idTag: DEMO.idTag, connectorId: 2 },
      { operatorId: DEMO.operatorId },
    );
    expect(await awaitCommandResult(deps, start.callId, { timeoutMs: 10_000, pollMs: 25 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect(remoteStarts).toBe(1);
    // what a charger does after accepting
    const { transactionId } = await call<{ transactionId: number }>(cp, 'StartTransaction', {
      connectorId: 2,
      idTag: DEMO.idTag,
      meterStart: 0,
      timestamp: at(20),
    });

    const stop = await remoteStopTransaction(deps, DEMO.chargerId, { transactionId });
    expect(await awaitCommandResult(deps, stop.callId, { timeoutMs: 10_000, pollMs: 25 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect(remoteStops).toBe(1);
    await cp.call('StopTransaction', { transactionId, meterStop: 300, timestamp: at(25), reason: 'Remote' });
    expect(await deps.transactions.get(DEMO.chargerId, transactionId)).toMatchObject({
      connectorId: 2,
      stopReason: 'Remote',
    });
  });
});

describe('what the charger says, checked against the platform', () => {
  const cp = charger();

  beforeAll(async () => {
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'ITest', chargePointModel: 'Sim-1' });
  });
  afterAll(async () => {
    await cp.close({ force: true });
  });

  it('refuses a connector the charger does not have (the operator set 2) and stores nothing', async () => {
    const startedAt = at(29);
    await expect(
      cp.call('StartTransaction', { connectorId: 3, idTag: DEMO.idTag, meterStart: 0, timestamp: startedAt }),
    ).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
    await expect(
      cp.call('StatusNotification', { connectorId: 3, errorCode: 'NoError', status: 'Available' }),
    ).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
    const reading = {
      timestamp: startedAt,
      sampledValue: [{ value: '5', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    };
    await expect(cp.call('MeterValues', { connectorId: 3, meterValue: [reading] })).rejects.toMatchObject({
      rpcErrorCode: 'PropertyConstraintViolation',
    });
    expect(await deps.transactions.findStart(DEMO.chargerId, 3, startedAt)).toBeUndefined();
    expect(await deps.statuses.current(DEMO.chargerId, 3)).toBeUndefined();
    const readingsOn = async (connectorId: number) => {
      const { pk, sk } = keys.chargerMeterValues(DEMO.chargerId, connectorId, startedAt, '');
      return (await partition(doc, platform.tableName, pk)).filter((item) => String(item.sk).startsWith(sk));
    };
    expect(await readingsOn(3)).toEqual([]);
    // The same reading on a connector the charger has is stored: the refusal was the connector's.
    expect(await cp.call('MeterValues', { connectorId: 2, meterValue: [reading] })).toEqual({});
    expect(await readingsOn(2)).toHaveLength(1);
  });

  it('does not let a charger clock that runs ahead pin a stale status as current', async () => {
    const nowMs = Date.now();
    await cp.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'GroundFailure',
      status: 'Faulted',
      timestamp: isoAt(nowMs, '+1h'),
    });
    // The charger's clock is set right (Heartbeat), and the fault is cleared.
    await cp.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Available',
      timestamp: new Date().toISOString(),
    });
    expect(await deps.statuses.current(DEMO.chargerId, 1)).toMatchObject({ status: 'Available' });
  });
});
