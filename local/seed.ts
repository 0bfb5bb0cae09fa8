/**
 * Demo data for `npm start`: an operator with a site, a charger (with its password), an RFID
 * card, an operator API key, a tariff, a connected account onboarded in the Stripe emulator and its
 * owner's console sign-in (demo-user.ts), so a charger simulator can connect at once, a driver can pay
 * at the demo charger and a person can sign in to the console.
 * Seeding never overwrites: what an operator changed locally survives a restart.
 */
import { createHash } from 'node:crypto';
import { DynamoOperatorCatalog } from '../shared/adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../shared/adapters/dynamodb/operator-registry.js';
import { DynamoTariffStore } from '../shared/adapters/dynamodb/tariff-store.js';
import { hashPassword } from '../shared/app/auth/password.js';
import { DEMO_TARIFF } from './demo-tariff.js';
import { seedDemoUser } from './demo-user.js';
import { onboardOperator } from './onboarded-operator.js';

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
  const table = { doc: db, tableName: opts.tableName };
  const now = new Date().toISOString();
  // Every write is create-only: what an operator changed locally survives a restart.
  const onlyIfAbsent = { onlyIfAbsent: true };
  const operators = new DynamoOperatorRegistry(table);
  const catalog = new DynamoOperatorCatalog(db, opts.tableName);

  await operators.create({
    operatorId: DEMO.operatorId,
    name: DEMO.operatorName,
    currency: 'GBP',
    contactEmail: 'operator@demo.ev-platform.local',
    allowPendingChargers: true,
    allowFreeUse: false,
    preAuthAmountMinor: 2000,
    createdAt: now,
  });
  await catalog.putSite(
    {
      operatorId: DEMO.operatorId,
      siteId: DEMO.siteId,
      name: 'The Demo Arms',
      address: '1 High Street, Demoton',
      timeZone: 'Europe/London',
      tariffId: DEMO.tariffId,
    },
    onlyIfAbsent,
  );
  await new DynamoChargerAdmin(db, opts.tableName).register({
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
  });
  await catalog.putIdTag(
    { operatorId: DEMO.operatorId, idTag: DEMO.idTag, kind: 'fleet', label: 'Demo fleet card' },
    onlyIfAbsent,
  );
  await new DynamoTariffStore(db, opts.tableName).put(DEMO_TARIFF, onlyIfAbsent);
  await operators.createApiKey({
    apiKeyHash: sha256(DEMO.apiKey),
    keyId: 'demo',
    operatorId: DEMO.operatorId,
    label: 'Demo key (local only)',
    createdAt: now,
  });
  // A paid charger takes no card until its operator has onboarded (begin-payment.ts).
  await onboardOperator({
    table,
    stripeUrl: opts.stripeUrl,
    stripeSecretKey: opts.stripeSecretKey,
    operatorId: DEMO.operatorId,
    currency: 'GBP',
    email: 'operator@demo.ev-platform.local',
  });
  await seedDemoUser(table, DEMO.operatorId, now);
  db.destroy();
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
