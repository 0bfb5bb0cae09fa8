/**
 * Issue 10, defects 1 and 2 and the replayed StartTransaction, through the embedded platform: a
 * strict ocpp-rpc charger reconnects and reuses message ids the way a charger does that counts its
 * ids from 1 again after a reboot (OCPP-J wants ids unique on one connection only). A new message
 * is never dropped for its id; an identical resend, under any id, changes nothing and raises no flag.
 * Each test registers a charger of its own, so a reconnect never closes another test's connection.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { idTagItem } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi1, keys } from '../../shared/adapters/dynamodb/keys.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import { silentLog } from '../../shared/ports/log.js';
import { energySample } from '../fixtures/ocpp/builders.js';
import { callWithId } from '../fixtures/ocpp/call-with-id.js';
import { isoAt, thisMinuteMs } from '../fixtures/time.js';

const platform = inject('platform');
const { tableName } = platform;
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const deps = createOcppDeps({
  tableName,
  region: 'local',
  doc,
  log: silentLog,
  heartbeatIntervalSeconds: 300,
  callTimeoutSeconds: 10,
});
const OPERATOR = 'op-demo';
const PASSWORD = 'message-ids-it-password';

let passwordHash = '';
const clients: RPCClient[] = [];

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

afterAll(async () => {
  for (const c of clients) await c.close({ force: true }).catch(() => {});
  doc.destroy();
});

/** Registers a free public charger of its own. */
async function aCharger(): Promise<string> {
  const id = `MSGID-${randomUUID().slice(0, 8)}`;
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.charger(id),
        ...gsi1.chargerOfOperator(OPERATOR, id),
        entity: 'charger',
        chargerId: id,
        operatorId: OPERATOR,
        passwordHash,
        registration: 'active',
        accessMode: 'public',
        paid: false,
        connectorCount: 2,
        createdAt: new Date().toISOString(),
      },
    }),
  );
  return id;
}

/** One WebSocket connection of the charger (the connection before it closed first, as after a reboot). */
async function connect(chargerId: string, previous?: RPCClient): Promise<RPCClient> {
  await previous?.close({ awaitPending: false });
  const cp = simulatedCharger({ ocppUrl: platform.endpoints.ocppUrl, chargerId, password: PASSWORD });
  await cp.connect();
  clients.push(cp);
  return cp;
}

/** The session began 20 minutes ago by the charger's clock. */
const T0 = thisMinuteMs() - 20 * 60_000;
const at = (offset: string) => isoAt(T0, offset);

async function start(cp: RPCClient, idTag = 'MSGID-TAG'): Promise<number> {
  const conf = await callWithId<{ transactionId: number }>(cp, '1', 'StartTransaction', {
    connectorId: 1,
    idTag,
    meterStart: 1000,
    timestamp: at('0'),
  });
  return conf.transactionId;
}

describe('message ids are unique on one connection only', () => {
  it('MeterValues reusing an id of an earlier connection are stored; an identical resend is not stored twice', async () => {
    const id = await aCharger();
    const first = await connect(id);
    const txId = await start(first);
    await callWithId(first, '2', 'MeterValues', {
      connectorId: 1,
      transactionId: txId,
      meterValue: [energySample(at('+1m'), 1100)],
    });

    // The charger rebooted and counts from 1 again.
    const second = await connect(id, first);
    const later = { connectorId: 1, transactionId: txId, meterValue: [energySample(at('+2m'), 1200)] };
    await callWithId(second, '2', 'MeterValues', later);
    const storedTimes = async () =>
      (await deps.transactions.meterValuesOf(id, txId))
        .flatMap((r) => r.meterValue)
        .map((mv) => mv.timestamp)
        .sort();
    expect(await storedTimes()).toEqual([at('+1m'), at('+2m')]);

    // The same readings again under another id (a resend from the charger's queue): no second copy.
    await callWithId(second, '3', 'MeterValues', later);
    expect(await storedTimes()).toEqual([at('+1m'), at('+2m')]);
  });

  it('a StatusNotification without timestamp reusing an id of an earlier connection is recorded', async () => {
    const id = await aCharger();
    const first = await connect(id);
    await callWithId(first, '1', 'StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Available',
    });
    const second = await connect(id, first);
    await callWithId(second, '1', 'StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Charging',
    });

    expect((await deps.statuses.history(id, 1)).map((e) => e.status)).toEqual(['Available', 'Charging']);
    expect(await deps.statuses.current(id, 1)).toMatchObject({ status: 'Charging' });
  });

  it("StopTransaction's transactionData reusing the id of an earlier MeterValues is stored", async () => {
    const id = await aCharger();
    const first = await connect(id);
    const txId = await start(first);
    await callWithId(first, '2', 'MeterValues', {
      connectorId: 1,
      transactionId: txId,
      meterValue: [energySample(at('+1m'), 1100)],
    });
    const second = await connect(id, first);
    await callWithId(second, '2', 'StopTransaction', {
      transactionId: txId,
      meterStop: 1500,
      timestamp: at('+5m'),
      transactionData: [energySample(at('+5m'), 1500)],
    });

    const stored = await deps.transactions.meterValuesOf(id, txId);
    expect(stored.map((r) => [r.source, r.meterValue[0]?.timestamp]).sort()).toEqual([
      ['MeterValues', at('+1m')],
      ['StopTransaction', at('+5m')],
    ]);
  });
});

describe('BootNotification after a reboot', () => {
  it('is recorded though its message id is the one the previous boot had', async () => {
    const id = await aCharger();
    const boot = { chargePointVendor: 'MsgIdIT', chargePointModel: 'M1', firmwareVersion: '1.0' };
    const first = await connect(id);
    await callWithId(first, '1', 'BootNotification', boot);
    const second = await connect(id, first);
    await callWithId(second, '1', 'BootNotification', { ...boot, firmwareVersion: '1.1' });

    const out = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.charger(id), ConsistentRead: true }),
    );
    expect(out.Item).toMatchObject({ firmwareVersion: '1.1' });
  });
});

describe('StopTransaction repeated under a new message id', () => {
  const stop = (txId: number, meterStop: number) => ({
    transactionId: txId,
    meterStop,
    timestamp: at('+10m'),
    reason: 'Local' as const,
  });

  it('the identical stop is a retransmission: no stop-conflict', async () => {
    const id = await aCharger();
    const first = await connect(id);
    const txId = await start(first);
    await callWithId(first, '2', 'StopTransaction', stop(txId, 1800));
    const second = await connect(id, first);
    await callWithId(second, '7', 'StopTransaction', stop(txId, 1800));

    const tx = await deps.transactions.get(id, txId);
    expect(tx).toMatchObject({ meterStop: 1800 });
    expect(tx?.flags).not.toContain('stop-conflict');
  });

  it('a different stop under the id of the first is a conflict', async () => {
    const id = await aCharger();
    const first = await connect(id);
    const txId = await start(first);
    await callWithId(first, '2', 'StopTransaction', stop(txId, 1800));
    const second = await connect(id, first);
    await callWithId(second, '2', 'StopTransaction', stop(txId, 2400));

    const tx = await deps.transactions.get(id, txId);
    expect(tx).toMatchObject({ meterStop: 1800, flags: expect.arrayContaining(['stop-conflict']) });
  });
});

describe('StartTransaction replayed after a reconnect', () => {
  it('answers with the original idTagInfo, even though the tag was blocked since', async () => {
    const id = await aCharger();
    const idTag = `MSGID-${randomUUID().slice(0, 6)}`;
    const first = await connect(id);
    const conf = await callWithId<{ transactionId: number; idTagInfo: { status: string } }>(
      first,
      '1',
      'StartTransaction',
      { connectorId: 1, idTag, meterStart: 1000, timestamp: at('0') },
    );
    expect(conf.idTagInfo).toEqual({ status: 'Accepted' });

    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: idTagItem({ operatorId: OPERATOR, idTag, kind: 'fleet', blocked: true }),
      }),
    );
    const second = await connect(id, first);
    const replay = await callWithId<{ transactionId: number; idTagInfo: { status: string } }>(
      second,
      '1',
      'StartTransaction',
      { connectorId: 1, idTag, meterStart: 1000, timestamp: at('0') },
    );
    expect(replay).toEqual(conf);
  });
});
