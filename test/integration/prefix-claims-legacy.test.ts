/**
 * Prefix claims stored before the overlap check (issue 9, finding 1) wrote no marker items, so a
 * shorter claim of another operator did not see them. They must count all the same: the first
 * claim on a table runs a one-time migration that writes their markers. Each test has a table of
 * its own, as a deployment whose data predates the check would be.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import {
  DynamoChargerAdmin,
  PREFIX_MARKERS_MIGRATION,
} from '../../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const run = Date.now().toString(36);
let tables = 0;

afterAll(() => doc.destroy());

/** A fresh table holding the given claims exactly as the claim code before the markers stored them. */
async function tableWithLegacyClaims(claims: { prefix: string; operatorId: string }[]): Promise<string> {
  const tableName = `prefix-legacy-${run}-${++tables}`;
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, tableName);
  for (const claim of claims) {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.registrationPrefix(claim.prefix), entity: 'registrationPrefix', ...claim },
      }),
    );
  }
  return tableName;
}

describe('claims stored before the overlap markers', () => {
  it('still refuse another operator a prefix around them, and a prefix inside them', async () => {
    const tableName = await tableWithLegacyClaims([{ prefix: 'ACME-', operatorId: 'op-a' }]);
    const admin = new DynamoChargerAdmin(doc, tableName);
    expect(await admin.claimPrefix({ prefix: 'ACME', operatorId: 'op-b' })).toBe('taken');
    expect(await admin.claimPrefix({ prefix: 'AC', operatorId: 'op-b' })).toBe('taken');
    expect(await admin.claimPrefix({ prefix: 'ACME-0', operatorId: 'op-b' })).toBe('taken');
    // Its own operator keeps claiming inside and around it; others claim beside it.
    expect(await admin.claimPrefix({ prefix: 'ACME-7', operatorId: 'op-a' })).toBe('claimed');
    expect(await admin.claimPrefix({ prefix: 'ACM', operatorId: 'op-a' })).toBe('claimed');
    expect(await admin.claimPrefix({ prefix: 'ACX', operatorId: 'op-b' })).toBe('claimed');
  });

  it('are marked once; a second run and a second process change nothing', async () => {
    const tableName = await tableWithLegacyClaims([
      { prefix: 'ZED-', operatorId: 'op-a' },
      { prefix: 'QRS-1', operatorId: 'op-b' },
    ]);
    const first = new DynamoChargerAdmin(doc, tableName);
    expect(await first.markLegacyPrefixClaims()).toEqual({ marked: 2, overlapping: [] });
    expect(await first.markLegacyPrefixClaims()).toEqual({ marked: 0, overlapping: [] });
    // Another process sees the migration done and claims at once; the markers hold.
    const second = new DynamoChargerAdmin(doc, tableName);
    expect(await second.claimPrefix({ prefix: 'QRS', operatorId: 'op-a' })).toBe('taken');
    expect(await second.claimPrefix({ prefix: 'Z', operatorId: 'op-b' })).toBe('taken');
  });

  it('that already overlap each other are listed on the migration, shorter one kept', async () => {
    const tableName = await tableWithLegacyClaims([
      { prefix: 'OV-0', operatorId: 'op-b' },
      { prefix: 'OV-', operatorId: 'op-a' },
    ]);
    const admin = new DynamoChargerAdmin(doc, tableName);
    expect(await admin.claimPrefix({ prefix: 'O', operatorId: 'op-c' })).toBe('taken');
    const migration = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.migration(PREFIX_MARKERS_MIGRATION) }),
    );
    expect(migration.Item).toMatchObject({ marked: 1, overlapping: ['OV-0'] });
  });
});
