/**
 * The access-mode matrix end to end (issue 11): one operator of each kind, set up as that kind is
 * meant to run (a closed group twice: billing its members, or having them pay by card), with a
 * strict simulated charger (ocpp-rpc validates every frame against the OCPP 1.6 schemas) connected
 * to the embedded platform. For each would-be driver (the owner's tag, a household tag, a group
 * member's tag, a fleet card, an anonymous payer on the start page, a group member on their member
 * page, a stranger's tag) it checks whether they may charge, whether a card pre-authorisation is
 * required (a held card then starts the charger through RemoteStartTransaction), and the stored
 * transaction: who is billed and which tariff priced it. Home sessions are also charged to the end:
 * the energy cost at the owner's tariff, no payment, in the operator's sessions.
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
import { issueApiKey } from '../../shared/app/operators/api-keys.js';
import { accessModeForKind } from '../../shared/domain/access-rules.js';
import type { OperatorKind } from '../../shared/domain/entities.js';
import { systemClock } from '../../shared/ports/clock.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';
import { inviteMember, signInMember } from '../fixtures/members.js';
import { operatorApi } from '../fixtures/operator-api.js';
import { payWithCard } from '../fixtures/payments/platform.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const transactions = new DynamoTransactionRepository(table);
const PASSWORD = 'access-mode-charger-1';
const PRE_AUTH_MINOR = 2500;

/** The operators: their kind, whether their chargers take payment, whether members are billed. */
type Setup = 'home' | 'group' | 'group-card' | 'public' | 'fleet';
const SETUP: Record<Setup, { kind: OperatorKind; paid: boolean; billMembers: boolean }> = {
  home: { kind: 'home', paid: false, billMembers: false },
  group: { kind: 'group', paid: true, billMembers: true },
  'group-card': { kind: 'group', paid: true, billMembers: false },
  public: { kind: 'public', paid: true, billMembers: false },
  fleet: { kind: 'fleet', paid: false, billMembers: false },
};

type Driver = 'owner' | 'household' | 'member' | 'fleet' | 'stranger';
type Outcome = 'refused' | 'free' | 'billed-to-member' | 'billed-to-fleet';
/** `pre-auth`: a card hold is required, and once held the charger starts; `refused`: no card taken. */
type CardOutcome = 'pre-auth' | 'refused';

/**
 * The expected matrix. Tags: what the charger answers and how the session is paid (no tag needs a
 * pre-auth: an RFID card brings no card payment). `payer`: what the start page does for an anonymous
 * driver. `memberPage`: what a group member's page offers at the charger (their account tag, free or
 * billed to them, or a card hold at the group price).
 */
const MATRIX: Record<
  Setup,
  Record<Driver, Outcome> & { payer: CardOutcome; memberPage: Outcome | CardOutcome }
> = {
  home: {
    owner: 'free',
    household: 'free',
    member: 'refused',
    fleet: 'refused',
    payer: 'refused',
    memberPage: 'refused',
    stranger: 'refused',
  },
  group: {
    owner: 'free',
    household: 'refused',
    member: 'billed-to-member',
    fleet: 'refused',
    payer: 'refused',
    memberPage: 'billed-to-member',
    stranger: 'refused',
  },
  // The operator does not bill members: their RFID tag is refused, their member page takes a card.
  'group-card': {
    owner: 'free',
    household: 'refused',
    member: 'refused',
    fleet: 'refused',
    payer: 'refused',
    memberPage: 'pre-auth',
    stranger: 'refused',
  },
  public: {
    owner: 'free',
    household: 'refused',
    member: 'refused',
    fleet: 'billed-to-fleet',
    payer: 'pre-auth',
    memberPage: 'pre-auth',
    stranger: 'refused',
  },
  fleet: {
    owner: 'free',
    household: 'refused',
    member: 'refused',
    fleet: 'billed-to-fleet',
    payer: 'refused',
    memberPage: 'refused',
    stranger: 'refused',
  },
};

interface Site {
  setup: Setup;
  operatorId: string;
  chargerId: string;
  tags: Record<Driver, string>;
  client: RPCClient;
  api: ReturnType<typeof operatorApi>;
  /** The member page's cookie of a member of the operator's group `residents`. */
  memberCookie: string;
  /** What the charger did with each RemoteStartTransaction: the tag, its Authorize, the transaction. */
  remoteStarts: { idTag: string; authorized: string; transactionId?: number }[];
}

const run = randomUUID().slice(0, 6).toUpperCase();
/** Connectors: one per tag (1-5), then the anonymous payer's and the member page's. */
const PAYER_CONNECTOR = 6;
const MEMBER_PAGE_CONNECTOR = 7;

async function setUp(setup: Setup): Promise<Site> {
  const { kind, paid, billMembers } = SETUP[setup];
  const operatorId = `op-am-${setup}-${run}`;
  const chargerId = `AM-${setup.toUpperCase()}-${run}`;
  const short = setup.replace('-', '').slice(0, 3).toUpperCase();
  const tags: Record<Driver, string> = {
    owner: `OWN-${short}-${run}`,
    household: `HOU-${short}-${run}`,
    member: `MEM-${short}-${run}`,
    fleet: `FLT-${short}-${run}`,
    // Known to no operator; the other drivers' tags are each known to their own operator only.
    stranger: `STR-${short}-${run}`,
  };
  const now = new Date().toISOString();
  const operators = new DynamoOperatorRegistry(table);
  await operators.create({
    operatorId,
    name: `Access ${setup}`,
    kind,
    currency: 'GBP',
    contactEmail: `${setup}-${run}@access.example`,
    allowPendingChargers: false,
    allowFreeUse: false,
    billMembers,
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
    name: `${setup} site`,
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
    paid,
    groupIds: ['residents'],
    ownerIdTags: [tags.owner],
    connectorCount: 8,
    createdAt: now,
  });
  const api = operatorApi(
    httpUrl,
    (await issueApiKey({ operators, clock: systemClock }, operatorId, { label: 'access modes' })).key,
  );
  const memberCookie = await signInMember(platform, await inviteMember(platform, operatorId, 'residents'));

  const remoteStarts: Site['remoteStarts'] = [];
  const client = simulatedCharger({ ocppUrl, chargerId, password: PASSWORD });
  // As a charger set to authorise remote starts: Authorize the tag, start only if it is accepted.
  client.handle('RemoteStartTransaction', async ({ params: raw }) => {
    const params = raw as { idTag: string; connectorId?: number };
    setImmediate(async () => {
      const auth = (await client.call('Authorize', { idTag: params.idTag })) as {
        idTagInfo: { status: string };
      };
      const start: Site['remoteStarts'][number] = { idTag: params.idTag, authorized: auth.idTagInfo.status };
      if (auth.idTagInfo.status === 'Accepted') {
        const tx = (await client.call('StartTransaction', {
          connectorId: params.connectorId ?? 1,
          idTag: params.idTag,
          meterStart: 0,
          timestamp: new Date().toISOString(),
        })) as { transactionId: number };
        start.transactionId = tx.transactionId;
      }
      remoteStarts.push(start);
    });
    return { status: 'Accepted' };
  });
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Access' });
  return { setup, operatorId, chargerId, tags, client, api, memberCookie, remoteStarts };
}

const sites = new Map<Setup, Site>();
const SETUPS = Object.keys(MATRIX) as Setup[];
const DRIVERS: Driver[] = ['owner', 'household', 'member', 'fleet', 'stranger'];

beforeAll(async () => {
  for (const site of await Promise.all(SETUPS.map(setUp))) sites.set(site.setup, site);
});

afterAll(async () => {
  await Promise.all([...sites.values()].map((s) => s.client.close({ force: true })));
  doc.destroy();
});

const siteOf = (setup: Setup): Site => {
  const site = sites.get(setup);
  if (!site) throw new Error(`no ${setup} site was set up`);
  return site;
};

/** A card held for a begun session (Stripe.js's part, through the emulator) and the page's confirm. */
async function holdCard(begun: { clientSecret: string; token: string }) {
  await payWithCard(platform, begun.clientSecret.split('_secret_')[0] as string);
  const confirmed = await fetch(`${httpUrl}/t/${begun.token}/confirm`, { method: 'POST' });
  expect(confirmed.status).toBe(200);
}

const pricedBy = (tx: TransactionRecord) => (tx.tariffSnapshot as { id?: string } | undefined)?.id;
/** What binding a card hold writes on a transaction (payments' SessionTransactions.attachHold). */
const holdOn = (tx: TransactionRecord) => {
  const { preAuthAmountMinor, paymentSessionId } = tx as unknown as Record<string, unknown>;
  return { preAuthAmountMinor, paymentSessionId };
};

describe.each(SETUPS)('a %s operator', (setup) => {
  const expected = MATRIX[setup];

  it.each(DRIVERS.map((driver, i) => [driver, expected[driver], i + 1] as const))(
    "the %s's tag: %s, no pre-auth",
    async (driver, outcome, connectorId) => {
      const { client, chargerId, tags } = siteOf(setup);
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
      // No card was held for a tag: the session carries no pre-auth.
      expect(holdOn(tx)).toEqual({ preAuthAmountMinor: undefined, paymentSessionId: undefined });
      // Members pay the group price over the site price; everyone else (the home owner tracking
      // cost included) the site price.
      expect(pricedBy(tx)).toBe(driver === 'member' ? 'group-price' : 'site-price');
    },
  );

  it(`an anonymous payer on the start page: ${expected.payer}`, async () => {
    const site = siteOf(setup);
    const page = await fetch(`${httpUrl}/c/${site.chargerId}`);
    const html = await page.text();
    const begun = await fetch(`${httpUrl}/api/drive/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        chargerId: site.chargerId,
        connectorId: PAYER_CONNECTOR,
        email: `payer-${setup}@access.example`,
      }),
    });
    const body = (await begun.json()) as {
      amountMinor?: number;
      clientSecret: string;
      token: string;
      error?: { code: string };
    };
    if (expected.payer === 'refused') {
      expect(html).toContain('Not open to the public');
      expect(html).not.toContain('We hold');
      expect(begun.status).toBe(409);
      expect(body.error?.code).toBe('charger_not_payable');
      return;
    }
    expect(html).toContain('We hold');
    expect(begun.status).toBe(201);
    expect(body.amountMinor).toBe(PRE_AUTH_MINOR);
    // Nothing starts before the card is held; once held, the hold's tag starts the charger.
    expect(site.remoteStarts).toHaveLength(0);
    await holdCard(body);
    await expect.poll(() => site.remoteStarts.length, { timeout: 10_000 }).toBe(1);
    const [start] = site.remoteStarts;
    expect(start?.authorized).toBe('Accepted');
    const tx = (await transactions.get(site.chargerId, start?.transactionId ?? 0)) as TransactionRecord;
    expect(tx.billedTo).toBeUndefined();
    expect(pricedBy(tx)).toBe('site-price');
  });

  it(`a group member on their member page: ${expected.memberPage}`, async () => {
    const site = siteOf(setup);
    const path = `/m/start/${site.chargerId}`;
    const res = await fetch(`${httpUrl}${path}`, { headers: { cookie: site.memberCookie } });
    const html = await res.text();
    expect(res.status).toBe(200);
    const csrf = /(?:name="csrf" value|data-csrf)="([A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '';
    const before = site.remoteStarts.length;
    switch (expected.memberPage) {
      case 'refused':
        expect(html).toContain('not one of your group’s chargers');
        expect(html).not.toContain('Start charging');
        return;
      case 'pre-auth': {
        expect(html).toContain('You pay by card at the group price');
        const begun = await fetch(`${httpUrl}${path}/card`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: httpUrl, cookie: site.memberCookie },
          body: JSON.stringify({ connectorId: MEMBER_PAGE_CONNECTOR, csrf }),
        });
        expect(begun.status).toBe(201);
        const body = (await begun.json()) as { amountMinor: number; clientSecret: string; token: string };
        expect(body.amountMinor).toBe(PRE_AUTH_MINOR);
        await holdCard(body);
        break;
      }
      default: {
        expect(html).toContain(
          expected.memberPage === 'billed-to-member'
            ? 'billed to you at the group price'
            : 'costs you nothing',
        );
        const started = await fetch(`${httpUrl}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: httpUrl,
            cookie: site.memberCookie,
          },
          body: new URLSearchParams({ csrf, connectorId: String(MEMBER_PAGE_CONNECTOR) }).toString(),
        });
        expect(started.status).toBe(303);
      }
    }
    await expect.poll(() => site.remoteStarts.length, { timeout: 15_000 }).toBe(before + 1);
    const start = site.remoteStarts[before];
    expect(start?.authorized).toBe('Accepted');
    const tx = (await transactions.get(site.chargerId, start?.transactionId ?? 0)) as TransactionRecord;
    expect(pricedBy(tx)).toBe('group-price');
    expect(tx.billedTo?.party).toBe(expected.memberPage === 'billed-to-member' ? 'member' : undefined);
  });
});

describe('a home operator', () => {
  it.each([
    ['owner', PAYER_CONNECTOR],
    ['household', MEMBER_PAGE_CONNECTOR],
  ] as const)(
    "tracks the energy cost of the %s's session at the owner's tariff, takes no payment, and lists it",
    async (driver, connectorId) => {
      const { client, chargerId, tags, api } = siteOf('home');
      const idTag = tags[driver];
      const started = (await client.call('StartTransaction', {
        connectorId,
        idTag,
        meterStart: 10_000,
        timestamp: new Date(Date.now() - 3600_000).toISOString(),
      })) as { idTagInfo: { status: string }; transactionId: number };
      expect(started.idTagInfo.status).toBe('Accepted');
      await client.call('StopTransaction', {
        transactionId: started.transactionId,
        meterStop: 12_000,
        timestamp: new Date().toISOString(),
        reason: 'Local',
      });
      // 2 kWh at the site's £0.40/kWh + 20% tax: 80 net, 16 tax, 96 gross, owed by nobody.
      await expect
        .poll(
          async () =>
            (await api('GET', `/chargers/${chargerId}/transactions/${started.transactionId}`)).json
              .transaction?.charge?.totals,
          { timeout: 15_000, interval: 250 },
        )
        .toEqual({ currency: 'GBP', netMinor: 80, taxMinor: 16, grossMinor: 96 });
      const tx = (await transactions.get(chargerId, started.transactionId)) as TransactionRecord;
      expect(pricedBy(tx)).toBe('site-price');
      expect(tx.billedTo).toBeUndefined();
      expect(holdOn(tx)).toEqual({ preAuthAmountMinor: undefined, paymentSessionId: undefined });
      const listed = await api('GET', '/transactions?limit=25');
      expect(listed.status).toBe(200);
      expect(
        listed.json.items.find(
          (t: { chargerId: string; transactionId: number }) =>
            t.chargerId === chargerId && t.transactionId === started.transactionId,
        ),
      ).toMatchObject({ idTag, tariffId: 'site-price', charge: { totals: { grossMinor: 96 } } });
    },
  );
});
