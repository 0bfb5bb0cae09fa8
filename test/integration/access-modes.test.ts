/**
 * The access-mode matrix end to end (issue 11): one operator of each kind, set up as that kind is
 * meant to run, with a strict simulated charger (ocpp-rpc validates every frame against the OCPP 1.6
 * schemas) connected to the embedded platform. For each would-be driver (the owner's tag, a household
 * tag, a group member's tag, a fleet card, an anonymous payer on the start page, a stranger's tag) it
 * checks whether they may charge, whether a card pre-authorisation is required, and, for admitted
 * tags, the stored transaction: who is billed and which tariff priced it.
 */
import { randomUUID } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onboardOperator } from '../../local/onboarded-operator.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoTariffStore } from '../../shared/adapters/dynamodb/tariff-store.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import { accessModeForKind } from '../../shared/domain/access-rules.js';
import type { OperatorKind } from '../../shared/domain/entities.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const transactions = new DynamoTransactionRepository(table);
const PASSWORD = 'access-mode-charger-1';
const PRE_AUTH_MINOR = 2500;

/** How each kind is set up: whether its chargers take payment and whether members are billed. */
const SETUP: Record<OperatorKind, { paid: boolean; billMembers: boolean }> = {
  home: { paid: false, billMembers: false },
  group: { paid: true, billMembers: true },
  public: { paid: true, billMembers: false },
  fleet: { paid: false, billMembers: false },
};

type Driver = 'owner' | 'household' | 'member' | 'fleet' | 'stranger';
type Outcome = 'refused' | 'free' | 'billed-to-member' | 'billed-to-fleet';

/**
 * The expected matrix. Tags: what the charger answers and how the session is paid. `payer`: what
 * the start page does for an anonymous driver (`pre-auth`: a card hold is required to start).
 */
const MATRIX: Record<OperatorKind, Record<Driver, Outcome> & { payer: 'pre-auth' | 'refused' }> = {
  home: {
    owner: 'free',
    household: 'free',
    member: 'refused',
    fleet: 'refused',
    payer: 'refused',
    stranger: 'refused',
  },
  group: {
    owner: 'free',
    household: 'refused',
    member: 'billed-to-member',
    fleet: 'refused',
    payer: 'refused',
    stranger: 'refused',
  },
  public: {
    owner: 'free',
    household: 'refused',
    member: 'refused',
    fleet: 'billed-to-fleet',
    payer: 'pre-auth',
    stranger: 'refused',
  },
  fleet: {
    owner: 'free',
    household: 'refused',
    member: 'refused',
    fleet: 'billed-to-fleet',
    payer: 'refused',
    stranger: 'refused',
  },
};

interface Site {
  kind: OperatorKind;
  operatorId: string;
  chargerId: string;
  tags: Record<Driver, string>;
  client: RPCClient;
}

const run = randomUUID().slice(0, 6).toUpperCase();

async function setUp(kind: OperatorKind): Promise<Site> {
  const operatorId = `op-am-${kind}-${run}`;
  const chargerId = `AM-${kind.toUpperCase()}-${run}`;
  const short = kind.slice(0, 2).toUpperCase();
  const tags: Record<Driver, string> = {
    owner: `OWN-${short}-${run}`,
    household: `HOU-${short}-${run}`,
    member: `MEM-${short}-${run}`,
    fleet: `FLT-${short}-${run}`,
    // Known to no operator; the other drivers' tags are each known to their own operator only.
    stranger: `STR-${short}-${run}`,
  };
  const now = new Date().toISOString();
  await new DynamoOperatorRegistry(table).create({
    operatorId,
    name: `Access ${kind}`,
    kind,
    currency: 'GBP',
    contactEmail: `${kind}-${run}@access.example`,
    allowPendingChargers: false,
    allowFreeUse: false,
    billMembers: SETUP[kind].billMembers,
    preAuthAmountMinor: PRE_AUTH_MINOR,
    createdAt: now,
  });
  // Started onboarding, so a payer's refusal below is the access rules', not the missing account's.
  await onboardOperator({
    table,
    stripeUrl: platform.endpoints.stripeUrl,
    stripeSecretKey: platform.stripeSecretKey,
    operatorId,
    currency: 'GBP',
    email: `${kind}-${run}@access.example`,
    onboarding: 'started',
  });
  const tariffs = new DynamoTariffStore(doc, platform.tableName);
  await tariffs.put(aTariff({ id: 'site-price', operatorId, elements: [{ components: [energy(40_000)] }] }));
  await tariffs.put(aTariff({ id: 'group-price', operatorId, elements: [{ components: [energy(20_000)] }] }));
  const catalog = new DynamoOperatorCatalog(doc, platform.tableName);
  await catalog.putSite({
    operatorId,
    siteId: 'main',
    name: `${kind} site`,
    timeZone: 'Europe/London',
    tariffId: 'site-price',
  });
  await catalog.putGroup({ operatorId, groupId: 'residents', name: 'Residents', tariffId: 'group-price' });
  await catalog.putIdTag({ operatorId, idTag: tags.household, kind: 'household' });
  await catalog.putIdTag({ operatorId, idTag: tags.member, kind: 'member', groupId: 'residents' });
  await catalog.putIdTag({ operatorId, idTag: tags.fleet, kind: 'fleet' });
  await new DynamoChargerAdmin(doc, platform.tableName).register({
    chargerId,
    operatorId,
    siteId: 'main',
    passwordHash: await hashPassword(PASSWORD),
    registration: 'active',
    accessMode: accessModeForKind(kind),
    paid: SETUP[kind].paid,
    groupIds: ['residents'],
    ownerIdTags: [tags.owner],
    connectorCount: 6,
    createdAt: now,
  });
  const client = simulatedCharger({ ocppUrl, chargerId, password: PASSWORD });
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Access' });
  return { kind, operatorId, chargerId, tags, client };
}

const sites = new Map<OperatorKind, Site>();
const KINDS = Object.keys(MATRIX) as OperatorKind[];
const DRIVERS: Driver[] = ['owner', 'household', 'member', 'fleet', 'stranger'];

beforeAll(async () => {
  for (const site of await Promise.all(KINDS.map(setUp))) sites.set(site.kind, site);
});

afterAll(async () => {
  await Promise.all([...sites.values()].map((s) => s.client.close({ force: true })));
  doc.destroy();
});

const siteOf = (kind: OperatorKind): Site => {
  const site = sites.get(kind);
  if (!site) throw new Error(`no ${kind} site was set up`);
  return site;
};

describe.each(KINDS)('a %s operator', (kind) => {
  it.each(DRIVERS.map((driver, i) => [driver, MATRIX[kind][driver], i + 1] as const))(
    "the %s's tag: %s",
    async (driver, outcome, connectorId) => {
      const { client, chargerId, tags } = siteOf(kind);
      const idTag = tags[driver];
      const authorized = (await client.call('Authorize', { idTag })) as { idTagInfo: { status: string } };
      expect(authorized.idTagInfo.status).toBe(outcome === 'refused' ? 'Invalid' : 'Accepted');
      if (outcome === 'refused') return;

      const started = (await client.call('StartTransaction', {
        connectorId,
        idTag,
        meterStart: 0,
        timestamp: new Date().toISOString(),
      })) as { idTagInfo: { status: string }; transactionId: number };
      expect(started.idTagInfo.status).toBe('Accepted');
      const tx = (await transactions.get(chargerId, started.transactionId)) as TransactionRecord;
      const billedTo =
        outcome === 'billed-to-member' ? 'member' : outcome === 'billed-to-fleet' ? 'fleet' : undefined;
      expect(tx.billedTo?.party).toBe(billedTo);
      if (billedTo) expect(tx.billedTo?.idTag).toBe(idTag);
      // Members pay the group price over the site price; everyone else (the home owner tracking
      // cost included) the site price.
      const priced = (tx.tariffSnapshot as { id?: string } | undefined)?.id;
      expect(priced).toBe(driver === 'member' ? 'group-price' : 'site-price');
    },
  );

  it(`an anonymous payer on the start page: ${MATRIX[kind].payer}`, async () => {
    const { chargerId } = siteOf(kind);
    const page = await fetch(`${httpUrl}/c/${chargerId}`);
    const html = await page.text();
    const begun = await fetch(`${httpUrl}/api/drive/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chargerId, connectorId: 1, email: `payer-${kind}@access.example` }),
    });
    const body = (await begun.json()) as { amountMinor?: number; error?: { code: string } };
    if (MATRIX[kind].payer === 'pre-auth') {
      expect(html).toContain('We hold');
      expect(begun.status).toBe(201);
      expect(body.amountMinor).toBe(PRE_AUTH_MINOR);
    } else {
      expect(html).toContain('Not open to the public');
      expect(html).not.toContain('We hold');
      expect(begun.status).toBe(409);
      expect(body.error?.code).toBe('charger_not_payable');
    }
  });
});
