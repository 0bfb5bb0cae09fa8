/**
 * Demo data for `npm start`: an operator with a site, a charger (with its password), an RFID
 * card, an operator API key and a tariff, so a charger simulator can connect at once.
 * Seeding never overwrites: what an operator changed locally survives a restart.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { gsi1, keys } from '../shared/adapters/dynamodb/keys.js';
import { hashPassword } from '../shared/app/auth/password.js';
import type { Charger, IdTag, Operator, Site } from '../shared/domain/entities.js';
import { DEMO_TARIFF } from './demo-tariff.js';

export const DEMO = {
  operatorId: 'op-demo',
  operatorName: 'Demo Charging Co',
  siteId: 'site-demo',
  chargerId: 'DEMO-CP-01',
  chargerPassword: 'demo-charger-password',
  idTag: 'DEMO-RFID-01',
  apiKey: 'demo-operator-key',
  tariffId: DEMO_TARIFF.id,
} as const;

export interface SeedOptions {
  endpoint: string;
  tableName: string;
  stripeUrl: string;
  stripeSecretKey: string;
}

export async function seedDemo(opts: SeedOptions): Promise<void> {
  const db = createDocumentClient({ region: 'local', endpoint: opts.endpoint });
  const now = new Date().toISOString();
  const putNew = async (item: Record<string, unknown>) => {
    try {
      await db.send(
        new PutCommand({
          TableName: opts.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  };

  const operator: Operator = {
    operatorId: DEMO.operatorId,
    name: DEMO.operatorName,
    currency: 'GBP',
    contactEmail: 'operator@demo.ev-platform.local',
    allowPendingChargers: true,
    allowFreeUse: false,
    preAuthAmountMinor: 2000,
    createdAt: now,
  };
  const site: Site = {
    operatorId: DEMO.operatorId,
    siteId: DEMO.siteId,
    name: 'The Demo Arms',
    address: '1 High Street, Demoton',
    timeZone: 'Europe/London',
    tariffId: DEMO.tariffId,
  };
  const charger: Charger = {
    chargerId: DEMO.chargerId,
    operatorId: DEMO.operatorId,
    siteId: DEMO.siteId,
    passwordHash: await hashPassword(DEMO.chargerPassword),
    registration: 'active',
    accessMode: 'public',
    paid: true,
    tariffId: DEMO.tariffId,
    connectorCount: 2,
    createdAt: now,
  };
  const card: IdTag = {
    operatorId: DEMO.operatorId,
    idTag: DEMO.idTag,
    kind: 'fleet',
    label: 'Demo fleet card',
  };

  await putNew({ ...keys.operator(DEMO.operatorId), entity: 'operator', ...operator });
  await putNew({ ...keys.site(DEMO.operatorId, DEMO.siteId), entity: 'site', ...site });
  await putNew({
    ...keys.charger(DEMO.chargerId),
    ...gsi1.chargerOfOperator(DEMO.operatorId, DEMO.chargerId),
    entity: 'charger',
    ...charger,
  });
  await putNew({
    ...keys.idTag(DEMO.operatorId, DEMO.idTag),
    ...gsi1.idTag(DEMO.operatorId, DEMO.idTag),
    entity: 'idTag',
    ...card,
  });
  await putNew({ ...keys.tariff(DEMO.operatorId, DEMO.tariffId), entity: 'tariff', ...DEMO_TARIFF });
  await putNew({
    ...keys.apiKey(sha256(DEMO.apiKey)),
    entity: 'apiKey',
    operatorId: DEMO.operatorId,
    label: 'Demo key (local only)',
    createdAt: now,
  });
  db.destroy();
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
