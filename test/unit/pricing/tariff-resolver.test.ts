/** Group tariffs at StartTransaction: the DynamoDB TariffSnapshotProvider over a mocked table. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../../shared/adapters/dynamodb/keys.js';
import { DynamoTariffResolver } from '../../../shared/adapters/dynamodb/tariff-resolver.js';
import { aTariff, energy } from '../../fixtures/builders/pricing.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const ddb = mockClient(doc);
const resolver = new DynamoTariffResolver({ doc, tableName: 'platform' });

const OP = 'op-1';
const tariff = (id: string, pence: number) =>
  aTariff({ id, operatorId: OP, elements: [{ components: [energy(pence * 1000)] }] });

/** A table of items by pk/sk that answers GetItem and BatchGetItem. */
function table(items: Record<string, unknown>[]) {
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
}

const tariffItem = (t: ReturnType<typeof tariff>) => ({ ...keys.tariff(OP, t.id), entity: 'tariff', ...t });
const base = [
  {
    ...keys.charger('CP-1'),
    entity: 'charger',
    chargerId: 'CP-1',
    operatorId: OP,
    siteId: 'S1',
    tariffId: 'visitor',
  },
  { ...keys.site(OP, 'S1'), entity: 'site', siteId: 'S1', tariffId: 'site-rate' },
  { ...keys.idTag(OP, 'RESIDENT'), entity: 'idTag', idTag: 'RESIDENT', kind: 'member', groupId: 'residents' },
  { ...keys.idTag(OP, 'VISITOR'), entity: 'idTag', idTag: 'VISITOR', kind: 'driver' },
  {
    ...keys.group(OP, 'residents'),
    entity: 'group',
    groupId: 'residents',
    name: 'Residents',
    tariffId: 'residents-rate',
  },
  tariffItem(tariff('visitor', 45)),
  tariffItem(tariff('site-rate', 40)),
  tariffItem(tariff('residents-rate', 20)),
];

beforeEach(() => ddb.reset());

describe('DynamoTariffResolver', () => {
  it("gives a group member the group's price, over the charger's", async () => {
    table(base);
    const snapshot = await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-1', idTag: 'RESIDENT' });
    expect(snapshot).toEqual(tariff('residents-rate', 20));
  });

  it("gives anyone else the charger's price, and the site's when the charger names none", async () => {
    table(base);
    expect(await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-1', idTag: 'VISITOR' })).toEqual(
      tariff('visitor', 45),
    );
    table(base.map((i) => (i.sk === keys.charger('CP-1').sk ? { ...i, tariffId: undefined } : i)));
    expect(await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-1', idTag: 'UNKNOWN' })).toEqual(
      tariff('site-rate', 40),
    );
  });

  it('ignores the group of a blocked tag and an assignment whose tariff is gone', async () => {
    table([
      ...base.filter((i) => i.sk !== keys.tariff(OP, 'visitor').sk),
      {
        ...keys.idTag(OP, 'BLOCKED'),
        entity: 'idTag',
        idTag: 'BLOCKED',
        kind: 'member',
        groupId: 'residents',
        blocked: true,
      },
    ]);
    expect(await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-1', idTag: 'BLOCKED' })).toEqual(
      tariff('site-rate', 40),
    );
  });

  it('keeps an invalid winning tariff as stored (pricing flags it) rather than falling back', async () => {
    table(
      base.map((i) => (i.sk === keys.tariff(OP, 'residents-rate').sk ? { ...i, currency: 'pounds' } : i)),
    );
    const snapshot = await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-1', idTag: 'RESIDENT' });
    expect(snapshot).toMatchObject({ id: 'residents-rate', currency: 'pounds' });
    expect(snapshot).not.toHaveProperty('pk');
  });

  it('returns nothing when no tariff applies (a free session)', async () => {
    table([{ ...keys.charger('CP-2'), entity: 'charger', chargerId: 'CP-2', operatorId: OP }]);
    expect(await resolver.snapshotFor({ operatorId: OP, chargerId: 'CP-2', idTag: 'X' })).toBeUndefined();
  });
});
