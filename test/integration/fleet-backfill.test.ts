/**
 * The one-time backfill before the monthly fleet run (issue 12, "Fleets"), on DynamoDB Local with a
 * table of this test's own: a fleet and a final fleet session stored before their sparse indexes
 * existed get their entries (so the next statement bills the session, late), the sessions of a
 * statement stored with its lines inline are marked billed in it (so no later statement bills them
 * again), and the migration is recorded once and changes nothing when run again.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import {
  DynamoFleetStatements,
  FLEET_INDEXES_MIGRATION,
} from '../../shared/adapters/dynamodb/fleet-statements.js';
import { gsi2, keys } from '../../shared/adapters/dynamodb/keys.js';
import type { TableContext } from '../../shared/adapters/dynamodb/support.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import type { FleetsDeps } from '../../shared/app/fleets/deps.js';
import { allLines, runMonthlyStatements } from '../../shared/app/fleets/monthly-statements.js';
import type { Operator } from '../../shared/domain/entities.js';
import { buildFleetStatement } from '../../shared/domain/fleet-statement.js';
import { priceSession } from '../../shared/domain/pricing.js';
import { silentLog } from '../../shared/ports/log.js';
import { aChargingSession, DEMO_TARIFF } from '../fixtures/builders/pricing.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const t: TableContext = { doc, tableName: 'fleet-backfill' };
const run = Date.now().toString(36);
const operatorId = `op-old-${run}`;
const operator: Operator = {
  operatorId,
  name: 'Old Depot',
  currency: 'GBP',
  timeZone: 'Europe/London',
  contactEmail: `old-${run}@example.com`,
  allowPendingChargers: false,
  allowFreeUse: false,
  preAuthAmountMinor: 5000,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const chargerId = `CP-OLD-${run}`;
const charge = priceSession(DEMO_TARIFF, aChargingSession(5, { startedAt: Date.parse('2026-08-01') / 1000 }));

/** A final transaction billed to fleet `vans`, as stored; with `indexed`, on the fleet's gsi2 queue. */
function finalSession(
  transactionId: number,
  startedAt: string,
  options: { indexed: boolean; final?: boolean },
) {
  return {
    ...keys.transaction(chargerId, transactionId),
    ...(options.indexed ? gsi2.fleetSession(operatorId, 'vans', startedAt, chargerId, transactionId) : {}),
    entity: 'transaction',
    chargerId,
    transactionId,
    operatorId,
    idTag: 'VAN-1',
    billedTo: { party: 'fleet', idTag: 'VAN-1', groupId: 'vans' },
    startedAt,
    status: options.final === false ? 'stopped' : 'final',
    ...(options.final === false
      ? {}
      : { finalisedAt: startedAt, charge, energyMilliWh: charge.energyMilliWh }),
  };
}

const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: t.tableName, Item }));
const get = async (key: { pk: string; sk: string }) =>
  (await doc.send(new GetCommand({ TableName: t.tableName, Key: key, ConsistentRead: true }))).Item;

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, t.tableName);
  // A fleet stored before the FLEETS gsi1 entry existed.
  await put({
    ...keys.group(operatorId, 'vans'),
    entity: 'group',
    operatorId,
    groupId: 'vans',
    name: 'Vans',
    kind: 'fleet',
  });
  // 1: in September's statement, stored with its lines inline (still on the queue: the old code never took it off).
  await put(finalSession(1, '2026-09-03T10:00:00.000Z', { indexed: true }));
  const september = buildFleetStatement({
    operatorId,
    fleetId: 'vans',
    month: '2026-09',
    timeZone: 'Europe/London',
    currency: 'GBP',
    sessions: [
      {
        chargerId,
        transactionId: 1,
        idTag: 'VAN-1',
        startedAt: Date.parse('2026-09-03T10:00:00Z') / 1000,
        energyMilliWh: charge.energyMilliWh,
        currency: 'GBP',
        lines: charge.lines,
      },
    ],
  });
  await put({
    ...keys.fleetStatement(operatorId, 'vans', '2026-09'),
    entity: 'fleetStatement',
    operatorId,
    fleetId: 'vans',
    month: '2026-09',
    createdAt: '2026-10-01T12:00:00.000Z',
    statement: september,
    emailedTo: operator.contactEmail,
    emailedAt: '2026-10-01T12:00:01.000Z',
  });
  // 2: final before the fleet index existed: in no statement yet.
  await put(finalSession(2, '2026-08-20T10:00:00.000Z', { indexed: false }));
  // 3: not final yet: the finaliser indexes it when it is.
  await put(finalSession(3, '2026-10-20T10:00:00.000Z', { indexed: false, final: false }));
});

describe('fleet index backfill', () => {
  it('indexes old fleets and sessions, marks inline-statement sessions billed, once', async () => {
    const store = new DynamoFleetStatements(t);
    expect(await store.backfillIndexes()).toEqual({
      fleetsIndexed: 1,
      sessionsIndexed: 1,
      sessionsMarkedBilled: 1,
    });
    expect(await store.backfillIndexes()).toBe('done');
    expect(await new DynamoFleetStatements(t).backfillIndexes()).toBe('done');
    expect(await get(keys.migration(FLEET_INDEXES_MIGRATION))).toMatchObject({
      fleetsIndexed: 1,
      sessionsIndexed: 1,
    });

    expect((await store.allFleets()).map((f) => f.groupId)).toEqual(['vans']);
    expect(await get(keys.transaction(chargerId, 1))).toMatchObject({ fleetBilledIn: 'vans#2026-09' });
    expect((await get(keys.transaction(chargerId, 1)))?.gsi2pk).toBeUndefined();
    expect((await get(keys.transaction(chargerId, 3)))?.gsi2pk).toBeUndefined();
    const queued = await store.unbilledSessions(operatorId, 'vans', '2027-01-01T00:00:00Z');
    expect(queued.map((s) => s.transactionId)).toEqual([2]);
    // The statement stored inline still reads back with its line.
    expect((await store.get(operatorId, 'vans', '2026-09'))?.statement.sessionCount).toBe(1);
    expect(
      (await store.lines(operatorId, 'vans', '2026-09', { limit: 50 })).items.map((l) => l.transactionId),
    ).toEqual([1]);

    // Run again from scratch (the record lost): every write is conditional, nothing changes.
    await doc.send(
      new DeleteCommand({ TableName: t.tableName, Key: keys.migration(FLEET_INDEXES_MIGRATION) }),
    );
    expect(await new DynamoFleetStatements(t).backfillIndexes()).toEqual({
      fleetsIndexed: 0,
      sessionsIndexed: 0,
      sessionsMarkedBilled: 0,
    });
  });

  it('lets the monthly run bill the backfilled session once, late, and not the already billed one', async () => {
    const nowMs = Date.parse('2026-11-01T12:00:00Z');
    const deps: FleetsDeps = {
      clock: { now: () => nowMs },
      log: silentLog,
      fleets: new DynamoFleetStatements(t),
      operators: { operator: async (id) => (id === operatorId ? operator : undefined) },
      mailer: new MemoryMailer(),
      invoiceDaysUntilDue: 30,
    };
    expect(await runMonthlyStatements(deps)).toMatchObject({ fleets: 1, created: 1, failed: 0 });
    const october = await allLines(deps, operatorId, 'vans', '2026-10');
    expect(october.map((l) => [l.transactionId, l.date, l.late])).toEqual([[2, '2026-08-20', true]]);
  });
});
