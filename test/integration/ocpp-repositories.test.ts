/**
 * The OCPP use cases over the real DynamoDB adapters against DynamoDB Local (the embedded
 * platform's): conditional writes, transactions, the sparse call index, write counts.
 * Each test works on its own charger ids, so the files sharing the platform stay apart.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { DynamoChargeRepository } from '../../shared/adapters/dynamodb/charge-repository.js';
import { DynamoChargerRepository } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keyOf, keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { MemoryChargerCommands } from '../../shared/adapters/memory/charges.js';
import { ManualClock, MemoryChargerGateway } from '../../shared/adapters/memory/ocpp-store.js';
import type { OcppDeps } from '../../shared/app/ocpp/deps.js';
import {
  authenticateCharger,
  awaitCommandResult,
  closeConnection,
  openConnection,
  reset,
  sweepCalls,
} from '../../shared/app/ocpp/index.js';
import { DEFAULT_COST_CAP_MARGIN, type PricingDeps } from '../../shared/app/pricing/deps.js';
import type { Charger } from '../../shared/domain/entities.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import { createRecomputeHandler } from '../../shared/lambda/recompute-handler.js';
import { silentLog } from '../../shared/ports/log.js';
import {
  aCharger,
  anOperator,
  aSession,
  energySample,
  PASSWORD,
  PASSWORD_HASH,
  TestCharger,
} from '../fixtures/ocpp/builders.js';
import { countDynamoWrites, partition } from '../fixtures/ocpp/dynamo.js';
import { withoutPricing } from '../fixtures/pricing/ocpp-view.js';
import { streamRecord } from '../fixtures/pricing/stream-records.js';
import { chargerIsoAt, isoAt, thisMinuteMs } from '../fixtures/time.js';

/**
 * A table of its own, which no platform sweeper, finaliser or stream poller watches: the test's
 * ManualClock is the only clock its records meet, so a call the test times out is not timed out
 * (and its successor sent) by the platform's sweeper first.
 */
const platform = { ...inject('platform'), tableName: 'ocpp-repositories' };
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const writes = countDynamoWrites(doc);
/** The platform's clock stands at T0; chargers report times around it. */
const T0 = thisMinuteMs();
const iso = (offset: string) => isoAt(T0, offset);
const at = (offset: string) => chargerIsoAt(T0, offset);
const clock = new ManualClock(T0);
const gateway = new MemoryChargerGateway();
const deps: OcppDeps = {
  ...createOcppDeps({
    tableName: platform.tableName,
    region: 'local',
    doc,
    heartbeatIntervalSeconds: 300,
    callTimeoutSeconds: 30,
    log: silentLog,
    clock,
  }),
  gateway,
};
const run = randomUUID().slice(0, 8);
const operatorId = `op-repo-${run}`;

const put = (item: Record<string, unknown>) =>
  doc.send(new PutCommand({ TableName: platform.tableName, Item: item }));

const table = { doc, tableName: platform.tableName };

async function putCharger(c: Charger) {
  await new DynamoChargerRepository(table).createIfAbsent(c);
}

/**
 * What the recompute does with these transactions' meter messages when their INSERTs reach it on the
 * stream (this table has no poller), over the real DynamoDB adapters.
 */
async function recomputeFromStream(chargerId: string, transactionIds: number[]): Promise<void> {
  const pricing: PricingDeps = {
    clock,
    log: silentLog,
    charges: new DynamoChargeRepository(table),
    commands: new MemoryChargerCommands(),
    settings: { settleWindowSeconds: 60, holdSafetySeconds: 3600, costCapMargin: DEFAULT_COST_CAP_MARGIN },
  };
  for (const transactionId of transactionIds) {
    const items = await partition(doc, platform.tableName, keys.transaction(chargerId, transactionId).pk);
    const records = items
      .filter((i) => keyOf.isMeterValues(String(i.sk)))
      .map((i) => streamRecord('INSERT', i));
    const out = await createRecomputeHandler(() => pricing)({ Records: records });
    expect(out.batchItemFailures).toEqual([]);
  }
}

let n = 0;
async function newCharger(over: Partial<Charger> = {}): Promise<TestCharger> {
  n++;
  const chargerId = `R${run}-${n}`;
  await putCharger(aCharger({ chargerId, operatorId, passwordHash: PASSWORD_HASH, ...over }));
  return new TestCharger(
    { deps, store: undefined as never, gateway, clock },
    aSession({ chargerId, operatorId, connectionId: `c-${chargerId}` }),
  );
}

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, platform.tableName);
  await new DynamoOperatorRegistry(table).create(anOperator({ operatorId, allowPendingChargers: true }));
  await put({
    ...keys.tariff(operatorId, 't1'),
    entity: 'tariff',
    tariffId: 't1',
    name: 'Standard',
    energyMinorPerKwh: 40,
  });
});

const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: at('-1h') };

describe('transactions in DynamoDB', () => {
  it('start with a tariff snapshot; replays (same or new message id) write nothing', async () => {
    const cp = await newCharger({ tariffId: 't1' });
    const id = cp.session.chargerId;
    const first = await cp.ok('StartTransaction', start, 'st-1');
    expect(first).toEqual({ idTagInfo: { status: 'Accepted' }, transactionId: 1 });
    const tx = await deps.transactions.get(id, 1);
    expect(tx).toMatchObject({
      operatorId,
      status: 'active',
      flags: [],
      startedAt: iso('-1h'),
      tariffSnapshot: { tariffId: 't1', name: 'Standard', energyMinorPerKwh: 40 },
    });
    const before = [
      await partition(doc, platform.tableName, keys.charger(id).pk),
      withoutPricing(await partition(doc, platform.tableName, keys.transaction(id, 1).pk)),
    ];
    writes.reset();
    expect(await cp.ok('StartTransaction', start, 'st-1')).toEqual(first);
    expect(await cp.ok('StartTransaction', start, 'st-2')).toEqual(first);
    expect(writes.requests).toBe(0);
    expect([
      await partition(doc, platform.tableName, keys.charger(id).pk),
      withoutPricing(await partition(doc, platform.tableName, keys.transaction(id, 1).pk)),
    ]).toEqual(before);
  });

  it('concurrent copies of one start get one transaction', async () => {
    const cp = await newCharger();
    const replies = await Promise.all(
      ['a', 'b', 'c', 'd'].map((mid) => cp.ok<{ transactionId: number }>('StartTransaction', start, mid)),
    );
    expect(new Set(replies.map((r) => r.transactionId)).size).toBe(1);
  });

  it('MeterValues: exactly one write per message, none for a repeat; stop stores its data', async () => {
    const cp = await newCharger();
    await cp.ok('StartTransaction', start);
    writes.reset();
    for (let i = 1; i <= 5; i++) {
      await cp.ok(
        'MeterValues',
        {
          connectorId: 1,
          transactionId: 1,
          meterValue: [energySample(at(`-${60 - i}m`), 1000 + i * 100)],
        },
        `mv-${i}`,
      );
    }
    expect(writes).toMatchObject({ requests: 5, items: 5, byCommand: { PutItemCommand: 5 } });
    const before = withoutPricing(
      await partition(doc, platform.tableName, keys.transaction(cp.session.chargerId, 1).pk),
    );
    await cp.ok(
      'MeterValues',
      { connectorId: 1, transactionId: 1, meterValue: [energySample(at('-59m'), 1100)] },
      'mv-1',
    );
    // the repeat is one conditional put that DynamoDB refuses: one attempt, nothing changed
    expect(writes.requests).toBe(6);
    expect(
      withoutPricing(await partition(doc, platform.tableName, keys.transaction(cp.session.chargerId, 1).pk)),
    ).toEqual(before);
    await cp.ok('StopTransaction', {
      transactionId: 1,
      meterStop: 2000,
      timestamp: at('0'),
      transactionData: [energySample(at('0'), 2000)],
    });
    const mvs = await deps.transactions.meterValuesOf(cp.session.chargerId, 1);
    expect(mvs).toHaveLength(6);
    expect(mvs.filter((r) => r.source === 'StopTransaction')).toHaveLength(1);
    expect(await deps.transactions.get(cp.session.chargerId, 1)).toMatchObject({
      status: 'stopped',
      meterStop: 2000,
    });
  });

  it('a meter message stored under its message id (before content keys) is still read back', async () => {
    const cp = await newCharger();
    await cp.ok('StartTransaction', start);
    const older = {
      chargerId: cp.session.chargerId,
      operatorId,
      transactionId: 1,
      connectorId: 1,
      messageId: 'mv-old',
      source: 'MeterValues',
      meterValue: [energySample(iso('-59m'), 1100)],
      flags: [],
      receivedAt: iso('-59m'),
    };
    // The key OCPP wrote before meter messages were keyed by content (keys.ts builds it no more).
    await put({
      pk: keys.transaction(cp.session.chargerId, 1).pk,
      sk: 'MV#mv-old',
      entity: 'meterValues',
      ...older,
    });
    await cp.ok(
      'MeterValues',
      { connectorId: 1, transactionId: 1, meterValue: [energySample(at('-58m'), 1200)] },
      'mv-old',
    );
    const mvs = await deps.transactions.meterValuesOf(cp.session.chargerId, 1);
    expect(mvs.map((r) => r.meterValue[0]?.timestamp).sort()).toEqual([iso('-59m'), iso('-58m')]);
    expect(mvs).toContainEqual(older);
  });

  it('offline: stop before start, late and after-stop MeterValues, second stop flagged', async () => {
    const cp = await newCharger();
    const id = cp.session.chargerId;
    await cp.ok('StopTransaction', { transactionId: 4, meterStop: 900, timestamp: at('-30m') }, 'stop-a');
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 4,
      meterValue: [energySample(at('-50m'), 500)],
    });
    await cp.ok('MeterValues', {
      connectorId: 1,
      transactionId: 99,
      meterValue: [energySample(at('-50m'), 500)],
    });
    await cp.ok('StopTransaction', { transactionId: 4, meterStop: 950, timestamp: at('-29m') }, 'stop-b');
    expect(await deps.transactions.get(id, 4)).toMatchObject({
      status: 'stopped',
      meterStop: 900,
      flags: ['start-missing', 'stop-conflict'],
    });
    // OCPP stores them without reading the transaction; the table stream's recompute labels them.
    expect(await deps.transactions.meterValuesOf(id, 4)).toMatchObject([{ flags: [] }]);
    await recomputeFromStream(id, [4, 99]);
    expect(await deps.transactions.meterValuesOf(id, 4)).toMatchObject([{ flags: ['after-stop'] }]);
    expect(await deps.transactions.meterValuesOf(id, 99)).toMatchObject([{ flags: ['unknown-transaction'] }]);
    expect(await cp.ok('StartTransaction', start)).toMatchObject({ transactionId: 5 });
  });
});

describe('charger records in DynamoDB', () => {
  it('boot, heartbeat, firmware/diagnostics: stored once per message', async () => {
    const cp = await newCharger();
    await cp.ok(
      'BootNotification',
      { chargePointVendor: 'Acme', chargePointModel: 'W1', chargePointSerialNumber: 'S1' },
      'b1',
    );
    await cp.ok('Heartbeat', {}, 'h1');
    await cp.ok('FirmwareStatusNotification', { status: 'Installed' }, 'f1');
    await cp.ok('DiagnosticsStatusNotification', { status: 'Idle' }, 'd1');
    expect(await deps.chargers.get(cp.session.chargerId)).toMatchObject({
      vendor: 'Acme',
      model: 'W1',
      serialNumber: 'S1',
      lastBootAt: iso('0'),
      lastHeartbeatAt: iso('0'),
      firmwareStatus: 'Installed',
      diagnosticsStatus: 'Idle',
    });
    writes.reset();
    await cp.ok(
      'BootNotification',
      { chargePointVendor: 'Acme', chargePointModel: 'W1', chargePointSerialNumber: 'S1' },
      'b1',
    );
    await cp.ok('Heartbeat', {}, 'h1');
    expect(writes.requests).toBe(2); // attempted, refused by their conditions: nothing changed
    expect((await deps.chargers.get(cp.session.chargerId))?.lastBootAt).toBe(iso('0'));
  });

  it('status: history in order, current by charger time, timestamp-less repeat stored once', async () => {
    const cp = await newCharger();
    const id = cp.session.chargerId;
    const st = (s: string, timestamp?: string) => ({
      connectorId: 1,
      errorCode: 'NoError',
      status: s,
      ...(timestamp ? { timestamp } : {}),
    });
    await cp.ok('StatusNotification', st('Charging', at('-55m')));
    await cp.ok('StatusNotification', st('Preparing', at('-1h')));
    expect((await deps.statuses.current(id, 1))?.status).toBe('Charging');
    clock.advance(1000);
    await cp.ok('StatusNotification', st('Finishing'), 'nots');
    await cp.ok('StatusNotification', st('Finishing'), 'nots');
    expect((await deps.statuses.history(id, 1)).map((h) => h.status)).toEqual([
      'Preparing',
      'Charging',
      'Finishing',
    ]);
    expect((await deps.statuses.current(id, 1))?.status).toBe('Finishing');
  });
});

describe('connections and authentication in DynamoDB', () => {
  it('a stale $disconnect never erases the newer connection', async () => {
    const cp = await newCharger();
    const id = cp.session.chargerId;
    const base = { chargerId: id, operatorId, domainName: 'd', stage: 's', subprotocols: 'ocpp1.6' };
    await openConnection(deps, { ...base, connectionId: 'old', connectedAt: 1 });
    await openConnection(deps, { ...base, connectionId: 'new', connectedAt: 2 });
    expect(await closeConnection(deps, { connectionId: 'old' })).toBe('not-current');
    expect((await deps.connections.current(id))?.connectionId).toBe('new');
    expect(await closeConnection(deps, { chargerId: id, connectionId: 'new' })).toBe('closed');
    expect(await deps.connections.current(id)).toBeUndefined();
  });

  it('registers an unknown charger under the longest claimed prefix as pending', async () => {
    await put({
      ...keys.registrationPrefix(`P${run}`),
      entity: 'registrationPrefix',
      prefix: `P${run}`,
      operatorId: 'op-other',
    });
    await put({
      ...keys.registrationPrefix(`P${run}-X`),
      entity: 'registrationPrefix',
      prefix: `P${run}-X`,
      operatorId,
    });
    const chargerId = `P${run}-X7`;
    const auth = `Basic ${Buffer.from(`${chargerId}:${PASSWORD}`).toString('base64')}`;
    const decision = await authenticateCharger(deps, {
      chargerId,
      authorization: auth,
      subprotocols: 'ocpp1.6',
    });
    expect(decision).toMatchObject({
      kind: 'allow',
      operatorId,
      registration: 'pending',
      protocol: 'ocpp1.6',
    });
    expect(await deps.chargers.get(chargerId)).toMatchObject({ registration: 'pending', operatorId });
  });
});

describe('platform → charger calls in DynamoDB', () => {
  it('queue, reply matching, timeout via the sparse index', async () => {
    const cp = await newCharger();
    const id = cp.session.chargerId;
    await openConnection(deps, {
      chargerId: id,
      operatorId,
      connectionId: cp.session.connectionId,
      connectedAt: 10,
      domainName: 'd',
      stage: 's',
      subprotocols: 'ocpp1.6',
    });
    const a = await reset(deps, id, { type: 'Soft' }, { timeoutSeconds: 10 });
    clock.advance(1);
    const b = await reset(deps, id, { type: 'Hard' }, { timeoutSeconds: 60 });
    const sentTo = () =>
      gateway.sent
        .filter((s) => s.connectionId === cp.session.connectionId)
        .map((s) => JSON.parse(s.data)[1]);
    expect(sentTo()).toEqual([a.messageId]);
    clock.advance(11_000);
    const swept = await sweepCalls(deps);
    expect(swept.timedOut).toBe(1);
    expect((await awaitCommandResult(deps, a.callId, { timeoutMs: 0 })).status).toBe('timeout');
    expect(sentTo()).toEqual([a.messageId, b.messageId]);
    await cp.raw(JSON.stringify([3, b.messageId, { status: 'Accepted' }]));
    expect(await awaitCommandResult(deps, b.callId, { timeoutMs: 0 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect((await deps.calls.open()).filter((c) => c.chargerId === id)).toEqual([]);
  });
});
