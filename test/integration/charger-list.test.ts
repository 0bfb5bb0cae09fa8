/**
 * The charger list at scale, against DynamoDB Local: one query per page with the connection and
 * connector status denormalised onto the charger items (charger-listing.ts), kept right under
 * out-of-order StatusNotifications and superseded connections; chargers stored before the copy
 * existed list right and are filled once; heartbeats are written at most every 15 minutes.
 * A table of its own, so no other file's chargers or requests mix in.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { viewOfPartition } from '../../shared/adapters/dynamodb/charger-listing.js';
import { chargerItem, DynamoChargerRepository } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConnectionRepository } from '../../shared/adapters/dynamodb/connection-repository.js';
import { gsi3, keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoOperatorViews } from '../../shared/adapters/dynamodb/operator-views.js';
import { DynamoStatusRepository } from '../../shared/adapters/dynamodb/status-repository.js';
import { ManualClock } from '../../shared/adapters/memory/ocpp-store.js';
import { dashboardSummary } from '../../shared/app/dashboard/summary.js';
import type { StatusEvent } from '../../shared/ports/charger-status.js';
import type { ChargerView } from '../../shared/ports/operator-views.js';
import { countDynamoRequests } from '../fixtures/dynamo-requests.js';
import { aCharger, anOperator, PASSWORD_HASH } from '../fixtures/ocpp/builders.js';
import { partition } from '../fixtures/ocpp/dynamo.js';
import { thisMinuteMs } from '../fixtures/time.js';

const platform = { ...inject('platform'), tableName: 'charger-list' };
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const requests = countDynamoRequests(doc);
const table = { doc, tableName: platform.tableName };
const T0 = thisMinuteMs();
const clock = new ManualClock(T0);
const views = new DynamoOperatorViews(doc, platform.tableName, clock);
const statuses = new DynamoStatusRepository(table);
const connections = new DynamoConnectionRepository(table, clock);
const chargers = new DynamoChargerRepository(table);
const run = randomUUID().slice(0, 8);
const isoAt = (ms: number) => new Date(ms).toISOString();

let n = 0;
async function newCharger(operatorId: string, connectorCount = 2): Promise<string> {
  n++;
  const chargerId = `L${run}-${String(n).padStart(3, '0')}`;
  await chargers.createIfAbsent(
    aCharger({ chargerId, operatorId, passwordHash: PASSWORD_HASH, connectorCount }),
  );
  return chargerId;
}

function status(
  chargerId: string,
  connectorId: number,
  s: string,
  atMs: number,
  over: Partial<StatusEvent> = {},
) {
  return {
    chargerId,
    operatorId: 'unused',
    connectorId,
    status: s,
    errorCode: 'NoError',
    timestamp: isoAt(atMs),
    timestampSource: 'charger',
    orderedAt: isoAt(atMs),
    messageId: `m-${randomUUID()}`,
    connectionId: 'c',
    receivedAt: isoAt(atMs),
    ...over,
  } satisfies StatusEvent;
}

function connection(chargerId: string, connectionId: string, connectedAt: number) {
  return {
    chargerId,
    connectionId,
    connectedAt,
    operatorId: 'unused',
    protocol: 'ocpp1.6',
    domainName: 'x',
    stage: 's',
  };
}

async function listAll(operatorId: string, limit: number) {
  const pages: ChargerView[][] = [];
  let after: string | undefined;
  do {
    const page = await views.chargers(operatorId, { limit, ...(after ? { after } : {}) });
    pages.push(page.items);
    after = page.next;
  } while (after);
  return pages;
}

async function listed(operatorId: string, chargerId: string): Promise<ChargerView | undefined> {
  return (await listAll(operatorId, 100)).flat().find((v) => v.charger.chargerId === chargerId);
}

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, platform.tableName);
});

describe('the charger list', () => {
  it('reads 60 chargers with their status in one query per page, and the copy matches the partition', async () => {
    const operatorId = `op-list-${run}`;
    const ids = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const id = await newCharger(operatorId);
        await statuses.record(status(id, 1, i % 3 === 0 ? 'Charging' : 'Available', T0 - 60_000));
        await statuses.record(status(id, 2, 'Available', T0 - 60_000));
        if (i % 2 === 0) await connections.open(connection(id, `c-${id}`, T0 - 120_000));
        return id;
      }),
    );
    // Fills nothing: chargers written since the copy exist have it complete once listed once.
    await listAll(operatorId, 25);
    requests.reset();
    const pages = await listAll(operatorId, 25);
    expect(pages.map((p) => p.length)).toEqual([25, 25, 10]);
    expect(requests.byCommand).toEqual({ Query: 3 });

    const all = pages.flat();
    expect(all.map((v) => v.charger.chargerId)).toEqual(ids);
    expect(all.filter((v) => v.connection).length).toBe(30);
    const first = all[0] as ChargerView;
    expect(first.connection).toMatchObject({ connectionId: `c-${ids[0]}`, connectedAt: isoAt(T0 - 120_000) });
    expect(first.connectors.map((c) => [c.connectorId, c.status])).toEqual([
      [1, 'Charging'],
      [2, 'Available'],
    ]);
    // The copy says what the authoritative items say.
    for (const v of all.slice(0, 3)) {
      const items = await partition(doc, platform.tableName, keys.charger(v.charger.chargerId).pk);
      expect(viewOfPartition(items, clock.now())?.view).toEqual(v);
    }
    expect(first.charger).not.toHaveProperty('passwordHash');
    expect(Object.keys(first.charger).some((k) => k.startsWith('listed'))).toBe(false);
  });

  it('reads the dashboard of those chargers in a bounded number of queries, not one per charger', async () => {
    const operatorId = `op-list-${run}`;
    await new DynamoOperatorRegistry(table).create(
      anOperator({ operatorId, timeZone: 'Europe/London', currency: 'GBP' }),
    );
    const startedAt = isoAt(T0); // the clock stands at T0: today, whatever the hour
    for (const [transactionId, status] of [
      [1, 'final'],
      [2, 'active'],
    ] as const) {
      await doc.send(
        new PutCommand({
          TableName: platform.tableName,
          Item: {
            ...keys.transaction(`L${run}-001`, transactionId),
            ...gsi3.transactionOfOperator(operatorId, startedAt),
            chargerId: `L${run}-001`,
            transactionId,
            operatorId,
            startedAt,
            status,
            energyMilliWh: 7_000_000,
            charge: { currency: 'GBP', totals: { netMinor: 100, taxMinor: 20, grossMinor: 120 } },
          },
        }),
      );
    }
    // The transaction listing's one-time move to gsi3 (transaction-repository.ts) is done by then on
    // a running platform; it is not what this counts.
    await views.transactions(operatorId, { limit: 1 });
    requests.reset();
    const summary = await dashboardSummary({ views, clock }, operatorId);
    // The operator, one page of all 60 chargers, one page of today's session keys (gsi3 is keys
    // only) and one BatchGetItem of those sessions.
    expect(requests.byCommand).toEqual({ GetItem: 1, Query: 2, BatchGetItem: 1 });
    expect(summary).toMatchObject({
      chargers: { total: 60, online: 30, offline: 30 },
      connectorsByStatus: [
        { status: 'Available', count: 100 },
        { status: 'Charging', count: 20 },
      ],
      liveSessions: 20,
      today: { sessionCount: 2, energyMilliWh: 14_000_000, revenueMinor: 120, provisionalRevenueMinor: 120 },
      flags: [],
    });
  });

  it('keeps the newest status whatever order StatusNotifications arrive in', async () => {
    const operatorId = `op-order-${run}`;
    const id = await newCharger(operatorId, 1);
    await listAll(operatorId, 10);
    await statuses.record(status(id, 1, 'Finishing', T0 + 2_000));
    await statuses.record(status(id, 1, 'Charging', T0 + 1_000)); // late
    await statuses.record(status(id, 1, 'Finishing', T0 + 2_000)); // repeat
    const view = await listed(operatorId, id);
    expect(view?.connectors).toEqual([
      { connectorId: 1, status: 'Finishing', errorCode: 'NoError', timestamp: isoAt(T0 + 2_000) },
    ]);
    expect((await statuses.current(id, 1))?.status).toBe('Finishing');
  });

  it('a stale $disconnect never marks a newer connection offline; the last close tells since when', async () => {
    const operatorId = `op-conn-${run}`;
    const id = await newCharger(operatorId, 1);
    await listAll(operatorId, 10);
    await connections.open(connection(id, 'old', T0 + 1_000));
    await connections.open(connection(id, 'new', T0 + 2_000));
    await connections.open(connection(id, 'old', T0 + 1_000)); // a late $connect of the old one
    await connections.close(id, 'old');
    expect((await listed(operatorId, id))?.connection).toMatchObject({ connectionId: 'new' });

    clock.set(isoAt(T0 + 60_000));
    await connections.close(id, 'new');
    const offline = await listed(operatorId, id);
    expect(offline?.connection).toBeUndefined();
    expect(offline?.offlineSince).toBe(isoAt(T0 + 60_000));
    // What a single read answers agrees with the list.
    expect(await views.charger(id)).toEqual(offline);
  });

  it('lists a connection past the WebSocket lifetime as offline, as its expiring item would be', async () => {
    const operatorId = `op-lost-${run}`;
    const id = await newCharger(operatorId, 1);
    await listAll(operatorId, 10);
    await connections.open(connection(id, 'lost', T0));
    clock.set(isoAt(T0 + 3 * 60 * 60 * 1000 + 1));
    const view = await listed(operatorId, id);
    expect(view?.connection).toBeUndefined();
    expect(view?.offlineSince).toBe(isoAt(T0 + 3 * 60 * 60 * 1000));
    clock.set(isoAt(T0));
  });

  it('lists a charger stored before the copy from its partition, fills it once, and never over a newer status', async () => {
    const operatorId = `op-legacy-${run}`;
    const id = `L${run}-legacy`;
    const put = (item: Record<string, unknown>) =>
      doc.send(new PutCommand({ TableName: platform.tableName, Item: item }));
    // As the repositories wrote them before: no copy on the charger item.
    await put(
      chargerItem(aCharger({ chargerId: id, operatorId, passwordHash: PASSWORD_HASH, connectorCount: 2 })),
    );
    await put({ ...keys.connection(id), entity: 'connection', ...connection(id, 'legacy-conn', T0 - 1_000) });
    await put({
      ...keys.connector(id, 1),
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      timestamp: isoAt(T0 - 5_000),
    });
    await put({
      ...keys.connector(id, 2),
      connectorId: 2,
      status: 'Available',
      errorCode: 'NoError',
      timestamp: isoAt(T0 - 5_000),
    });
    // A status written after the deploy reached connector 2's copy (and item) before any listing did.
    await statuses.record(status(id, 2, 'Preparing', T0 - 1_000));

    requests.reset();
    const first = await listed(operatorId, id);
    expect(requests.byCommand).toEqual({ Query: 2, UpdateItem: 1 }); // the page, the partition, the fill
    expect(first?.connection).toMatchObject({ connectionId: 'legacy-conn' });
    expect(first?.connectors.map((c) => [c.connectorId, c.status])).toEqual([
      [1, 'Faulted'],
      [2, 'Preparing'],
    ]);

    requests.reset();
    expect(await listed(operatorId, id)).toEqual(first);
    expect(requests.byCommand).toEqual({ Query: 1 });
  });

  it('writes lastHeartbeatAt at most every 15 minutes (each write is an index write)', async () => {
    const id = await newCharger(`op-hb-${run}`, 1);
    const lastHeartbeat = async () =>
      (await doc.send(new GetCommand({ TableName: platform.tableName, Key: keys.charger(id) }))).Item
        ?.lastHeartbeatAt;
    await chargers.recordHeartbeat(id, isoAt(T0), 'h1');
    await chargers.recordHeartbeat(id, isoAt(T0 + 5 * 60_000), 'h2');
    await chargers.recordHeartbeat(id, isoAt(T0 + 14 * 60_000), 'h3');
    expect(await lastHeartbeat()).toBe(isoAt(T0));
    await chargers.recordHeartbeat(id, isoAt(T0 + 15 * 60_000), 'h4');
    expect(await lastHeartbeat()).toBe(isoAt(T0 + 15 * 60_000));
    await chargers.recordHeartbeat(id, isoAt(T0 - 60 * 60_000), 'h0'); // late and old
    expect(await lastHeartbeat()).toBe(isoAt(T0 + 15 * 60_000));
  });
});
