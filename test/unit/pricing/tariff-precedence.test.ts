/**
 * Group over charger over site, as the TariffSnapshotProviders apply it: the DynamoDB resolver (over
 * a mocked table) and the in-memory fake must pick the same tariff from the same stored world.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../../shared/adapters/dynamodb/keys.js';
import { DynamoTariffResolver } from '../../../shared/adapters/dynamodb/tariff-resolver.js';
import { MemoryTariffSnapshots } from '../../../shared/adapters/memory/chargers.js';
import { MemoryOcppStore } from '../../../shared/adapters/memory/ocpp-store.js';
import type { TariffSnapshotInput, TariffSnapshotProvider } from '../../../shared/ports/tariff-snapshot.js';
import { aTariff, energy } from '../../fixtures/builders/pricing.js';

const OP = 'op-1';

/** What is stored: the tariff id each tier names, and which tariff items exist. */
interface World {
  charger?: string;
  site?: string;
  otherSite?: string;
  group?: string;
  tariffs: string[];
}

const ALL = ['residents-rate', 'charger-rate', 'site-rate', 'other-site-rate'];
const full: World = { group: 'residents-rate', charger: 'charger-rate', site: 'site-rate', tariffs: ALL };

const tariff = (id: string) => aTariff({ id, operatorId: OP, elements: [{ components: [energy(10_000)] }] });
const tags = [
  { operatorId: OP, idTag: 'RESIDENT', kind: 'member', groupId: 'residents' },
  { operatorId: OP, idTag: 'BLOCKED', kind: 'member', groupId: 'residents', blocked: true },
  { operatorId: OP, idTag: 'VISITOR', kind: 'driver' },
] as const;

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const ddb = mockClient(doc);
beforeEach(() => ddb.reset());

function dynamoProvider(w: World): TariffSnapshotProvider {
  const items: Record<string, unknown>[] = [
    { ...keys.charger('CP-1'), chargerId: 'CP-1', operatorId: OP, siteId: 'S1', tariffId: w.charger },
    { ...keys.site(OP, 'S1'), siteId: 'S1', tariffId: w.site },
    { ...keys.site(OP, 'S2'), siteId: 'S2', tariffId: w.otherSite },
    { ...keys.group(OP, 'residents'), groupId: 'residents', name: 'Residents', tariffId: w.group },
    ...tags.map((t) => ({ ...keys.idTag(OP, t.idTag), ...t })),
    ...w.tariffs.map((id) => ({ ...keys.tariff(OP, id), entity: 'tariff', ...tariff(id) })),
  ];
  const byKey = new Map(items.map((i) => [`${i.pk}|${i.sk}`, i]));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({
    Item: byKey.get(`${input.Key.pk}|${input.Key.sk}`),
  }));
  ddb
    .on(BatchGetCommand)
    .callsFake((input: { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> }) => ({
      Responses: {
        platform: (input.RequestItems.platform?.Keys ?? [])
          .map((k) => byKey.get(`${k.pk}|${k.sk}`))
          .filter((i) => i !== undefined),
      },
    }));
  return new DynamoTariffResolver({ doc, tableName: 'platform' });
}

function memoryProvider(w: World): TariffSnapshotProvider {
  const store = new MemoryOcppStore();
  store.putCharger({
    chargerId: 'CP-1',
    operatorId: OP,
    siteId: 'S1',
    registration: 'active',
    accessMode: 'public',
    paid: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...(w.charger ? { tariffId: w.charger } : {}),
  });
  store.putSite({ operatorId: OP, siteId: 'S1', name: 'S1', timeZone: 'Europe/London', tariffId: w.site });
  store.putSite({
    operatorId: OP,
    siteId: 'S2',
    name: 'S2',
    timeZone: 'Europe/London',
    tariffId: w.otherSite,
  });
  store.putGroup({ operatorId: OP, groupId: 'residents', name: 'Residents', tariffId: w.group });
  for (const t of tags) store.putIdTag({ ...t });
  for (const id of w.tariffs) store.putTariff(OP, id, tariff(id));
  return new MemoryTariffSnapshots(store);
}

const cases: [string, World, Partial<TariffSnapshotInput>, string | undefined][] = [
  ['a group member: the group price', full, { idTag: 'RESIDENT' }, 'residents-rate'],
  ['a visitor: the charger price', full, { idTag: 'VISITOR' }, 'charger-rate'],
  ['an unknown tag: the charger price', full, { idTag: 'NOBODY' }, 'charger-rate'],
  ['no id tag (stop without one): no group price', full, {}, 'charger-rate'],
  ['a blocked member: not the group price', full, { idTag: 'BLOCKED' }, 'charger-rate'],
  [
    'a member at a charger with no price: still the group price',
    { ...full, charger: undefined },
    { idTag: 'RESIDENT' },
    'residents-rate',
  ],
  [
    'a visitor at a charger with no price: the site price',
    { ...full, charger: undefined },
    { idTag: 'VISITOR' },
    'site-rate',
  ],
  [
    'the site named in the input over the charger record',
    { ...full, charger: undefined, otherSite: 'other-site-rate' },
    { siteId: 'S2' },
    'other-site-rate',
  ],
  [
    'a group whose tariff item is gone: the charger price',
    { ...full, tariffs: ALL.filter((t) => t !== 'residents-rate') },
    { idTag: 'RESIDENT' },
    'charger-rate',
  ],
  [
    'a charger whose tariff item is gone: the site price',
    { ...full, tariffs: ALL.filter((t) => t !== 'charger-rate') },
    { idTag: 'VISITOR' },
    'site-rate',
  ],
  ['nothing assigned: no tariff (a free session)', { tariffs: ALL }, { idTag: 'RESIDENT' }, undefined],
];

describe.each([
  ['DynamoTariffResolver', dynamoProvider],
  ['MemoryTariffSnapshots', memoryProvider],
])('%s applies group over charger over site', (_, provider) => {
  it.each(cases)('%s', async (_case, world, input, expected) => {
    const snapshot = await provider(world).snapshotFor({ operatorId: OP, chargerId: 'CP-1', ...input });
    expect((snapshot as { id?: string } | undefined)?.id).toBe(expected);
  });
});
