/**
 * The catalog through the designed operator API, on the embedded platform: what the contract test
 * cannot show by calling each operation once. Deletes are refused while something uses the item and
 * leave past sessions whole; a charger gets its connection URL and a password once, and a reset
 * password locks the old one out; the preview prices like a receipt; another operator sees nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { systemClock } from '../../shared/ports/clock.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const table = {
  doc: createDocumentClient({ region: 'local', endpoint: dynamoEndpoint }),
  tableName: platform.tableName,
};
const run = Date.now().toString(36).toUpperCase();

async function anOperator(name: string) {
  const created = await createOperator(
    {
      operators: new DynamoOperatorRegistry(table),
      users: new DynamoUserStore(table),
      mailer: new MemoryMailer(),
      clock: systemClock,
      publicBaseUrl: httpUrl,
    },
    { name, email: `${name.toLowerCase()}-${run.toLowerCase()}@catalog.example`, kind: 'public' },
  );
  return operatorApi(httpUrl, created.apiKey.key);
}

const energyTariff = (id: string, priceMilliMinor: number) => ({
  id,
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [{ components: [{ type: 'ENERGY', priceMilliMinor, taxRateBp: 2000 }] }],
});

let A: Awaited<ReturnType<typeof anOperator>>;
let B: Awaited<ReturnType<typeof anOperator>>;

beforeAll(async () => {
  A = await anOperator('CatalogA');
  B = await anOperator('CatalogB');
});

describe('operator settings', () => {
  it('changes only the fields given, flags as a set, and checks the pre-auth currency', async () => {
    const before = (await A('GET', '/operator')).json.operator;
    const changed = await A('PATCH', '/operator', {
      flags: ['bill-members', 'allow-pending-chargers'],
      preAuthAmount: { amountMinor: 4500, currency: 'GBP' },
    });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    expect(changed.json.operator).toEqual({
      ...before,
      flags: ['allow-pending-chargers', 'bill-members'],
      preAuthAmount: { amountMinor: 4500, currency: 'GBP' },
    });
    const wrongCurrency = await A('PATCH', '/operator', {
      preAuthAmount: { amountMinor: 10, currency: 'EUR' },
    });
    expect(wrongCurrency.status).toBe(400);
    expect((await A('GET', '/operator')).json.operator.preAuthAmount.amountMinor).toBe(4500);
  });

  it('switches one flag with flagsOn/flagsOff and leaves every other setting as stored', async () => {
    const C = await anOperator('CatalogC');
    const set = await C('PATCH', '/operator', {
      flags: ['bill-members'],
      preAuthAmount: { amountMinor: 2500, currency: 'GBP' },
      timeZone: 'Europe/London',
      branding: {
        primaryColour: '#0b7a53',
        supportEmail: 'help@c.example',
        logoUrl: 'https://c.example/l.png',
      },
    });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    const before = set.json.operator;
    const on = await C('PATCH', '/operator', { flagsOn: ['send-detailed-invoices'] });
    expect(on.status, JSON.stringify(on.json)).toBe(200);
    expect(on.json.operator).toEqual({ ...before, flags: ['bill-members', 'send-detailed-invoices'] });
    expect((await C('GET', '/operator')).json.operator).toEqual(on.json.operator);
    const off = await C('PATCH', '/operator', { flagsOff: ['bill-members'] });
    expect(off.json.operator).toEqual({ ...before, flags: ['send-detailed-invoices'] });
    expect(before).toMatchObject({
      currency: 'GBP',
      timeZone: 'Europe/London',
      preAuthAmount: { amountMinor: 2500, currency: 'GBP' },
      branding: {
        primaryColour: '#0b7a53',
        supportEmail: 'help@c.example',
        logoUrl: 'https://c.example/l.png',
      },
    });
    for (const body of [
      { flags: [], flagsOn: ['bill-members'] },
      { flagsOn: ['bill-members'], flagsOff: ['bill-members'] },
    ]) {
      const refused = await C('PATCH', '/operator', body);
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBe('invalid_body');
    }
    expect((await C('GET', '/operator')).json.operator.flags).toEqual(['send-detailed-invoices']);
  });

  it('changes the currency while there is no session, with the pre-auth in the new one', async () => {
    const changed = await B('PATCH', '/operator', {
      currency: 'EUR',
      preAuthAmount: { amountMinor: 3000, currency: 'EUR' },
      timeZone: 'Europe/Paris',
    });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    expect(changed.json.operator).toMatchObject({
      currency: 'EUR',
      timeZone: 'Europe/Paris',
      preAuthAmount: { amountMinor: 3000, currency: 'EUR' },
    });
  });
});

describe('sites, tariffs and chargers that use them', () => {
  const chargerId = `CATX-${run}`;
  const tariffId = `rate-${run}`;
  const siteId = `yard-${run}`;

  it('refuses to delete a site or a tariff while a charger uses it, and deletes them once free', async () => {
    expect((await A('POST', '/tariffs', energyTariff(tariffId, 30_000))).status).toBe(201);
    expect((await A('POST', '/tariffs', energyTariff(tariffId, 1))).status).toBe(409);
    expect(
      (await A('POST', '/sites', { siteId, name: 'Yard', timeZone: 'Europe/London', tariffId })).status,
    ).toBe(201);
    const registered = await A('POST', '/chargers', {
      chargerId,
      accessMode: 'public',
      paid: false,
      siteId,
    });
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);

    const siteInUse = await A('DELETE', `/sites/${siteId}`);
    expect(siteInUse.status).toBe(409);
    expect(siteInUse.json.error).toMatchObject({
      code: 'in_use',
      message: expect.stringContaining('1 charger'),
    });
    const tariffInUse = await A('DELETE', `/tariffs/${tariffId}`);
    expect(tariffInUse.status).toBe(409);
    expect(tariffInUse.json.error.message).toContain('1 site');
    expect((await A('GET', `/sites/${siteId}`)).status).toBe(200);

    // A charger can only be moved to the operator's own site.
    const unknownSite = await A('PATCH', `/chargers/${chargerId}`, { siteId: 'no-such-site' });
    expect(unknownSite.status).toBe(400);
    expect(unknownSite.json.error.code).toBe('invalid_reference');
    const moved = await A('PATCH', `/chargers/${chargerId}`, { siteId: null, connectorCount: 3 });
    expect(moved.status).toBe(200);
    expect(moved.json.charger.siteId).toBeUndefined();
    expect(moved.json.charger.connectorCount).toBe(3);

    expect((await A('DELETE', `/sites/${siteId}`)).json.site).toMatchObject({ siteId, tariffId });
    expect((await A('GET', `/sites/${siteId}`)).status).toBe(404);
    expect((await A('DELETE', `/tariffs/${tariffId}`)).status).toBe(200);
    expect((await A('GET', `/tariffs/${tariffId}`)).status).toBe(404);
  });

  it('lists the connectors up to the connector count, each with its QR code paths', async () => {
    const first = await A('GET', `/chargers/${chargerId}/connectors?limit=2`);
    expect(first.json.items.map((c: { connectorId: number }) => c.connectorId)).toEqual([1, 2]);
    expect(first.json.items[0]).toMatchObject({
      status: 'Unknown',
      qr: { svg: `/api/v1/chargers/${chargerId}/connectors/1/qr.svg` },
    });
    const rest = await A('GET', `/chargers/${chargerId}/connectors?limit=2&cursor=${first.json.nextCursor}`);
    expect(rest.json).toMatchObject({ items: [{ connectorId: 3 }], nextCursor: null });
  });
});

describe('a charger’s credentials and removal', () => {
  const chargerId = `CRED-${run}`;
  let password: string;

  it('answers the connection URL and a password it made, once; the charger connects with them', async () => {
    const registered = await A('POST', '/chargers', { chargerId, accessMode: 'public', paid: false });
    expect(registered.status).toBe(201);
    const { credentials } = registered.json;
    expect(credentials).toEqual({
      ocppUrl: `${ocppUrl}/${chargerId}`,
      username: chargerId,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    password = credentials.password;
    expect(JSON.stringify((await A('GET', `/chargers/${chargerId}`)).json)).not.toContain(password);
    const cp = simulatedCharger({ ocppUrl, chargerId, password });
    await cp.connect();
    await cp.close({ force: true });
  });

  it('locks the old password out when it is reset', async () => {
    const reset = await A('POST', `/chargers/${chargerId}/password`);
    expect(reset.status).toBe(200);
    expect(reset.json.credentials.password).not.toBe(password);
    await expect(simulatedCharger({ ocppUrl, chargerId, password }).connect()).rejects.toThrow();
    const cp = simulatedCharger({ ocppUrl, chargerId, password: reset.json.credentials.password });
    await cp.connect();
    password = reset.json.credentials.password;
    await cp.close({ force: true });
  });

  it('refuses removal while a session is open, and keeps the session once removed', async () => {
    const cp = simulatedCharger({ ocppUrl, chargerId, password });
    await cp.connect();
    const { transactionId } = (await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'ANYONE',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    })) as { transactionId: number };
    const refused = await A('DELETE', `/chargers/${chargerId}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('in_use');
    await cp.call('StopTransaction', { transactionId, meterStop: 2000, timestamp: new Date().toISOString() });
    await cp.close({ force: true });
    // The charge becomes final after the quiet period (the finaliser); until then removal waits.
    await expect
      .poll(async () => (await A('DELETE', `/chargers/${chargerId}`)).status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(200);
    expect((await A('GET', `/chargers/${chargerId}`)).status).toBe(404);
    const session = await A('GET', `/chargers/${chargerId}/transactions/${transactionId}`);
    expect(session.status).toBe(200);
    expect(session.json.transaction).toMatchObject({ status: 'final', energyMilliWh: 2_000_000 });
    await expect(simulatedCharger({ ocppUrl, chargerId, password }).connect()).rejects.toThrow();
  });
});

describe('tariff preview', () => {
  const session = {
    startedAt: '2026-11-02T10:00:00Z',
    energyWh: 10_000,
    chargingMinutes: 60,
    idleMinutes: 0,
  };

  it('prices a sample session like a receipt, for a stored or an unsaved tariff', async () => {
    // 10 kWh at 30p/kWh net: 300p, 20 % tax 60p.
    const expected = {
      currency: 'GBP',
      energyMilliWh: 10_000_000,
      durationSeconds: 3600,
      lines: [
        expect.objectContaining({
          component: 'ENERGY',
          quantity: 10_000_000,
          unit: 'milliWh',
          netMinor: 300,
        }),
      ],
      totals: { currency: 'GBP', netMinor: 300, taxMinor: 60, grossMinor: 360 },
    };
    const unsaved = await A('POST', '/tariff-previews', { tariff: energyTariff('draft', 30_000), session });
    expect(unsaved.status, JSON.stringify(unsaved.json)).toBe(200);
    expect(unsaved.json.preview).toMatchObject(expected);
    expect((await A('POST', '/tariffs', energyTariff(`prev-${run}`, 30_000))).status).toBe(201);
    const stored = await A('POST', '/tariff-previews', { tariffId: `prev-${run}`, session });
    expect(stored.json.preview).toMatchObject({ ...expected, tariffId: `prev-${run}` });
    // Another operator's tariff is not found, and a broken draft names its problem.
    expect((await B('POST', '/tariff-previews', { tariffId: `prev-${run}`, session })).status).toBe(404);
    const broken = await A('POST', '/tariff-previews', {
      tariff: { currency: 'GBP', elements: [] },
      session,
    });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('invalid_tariff');
  });
});

describe('groups, fleets and id tags', () => {
  const groupId = `flats-${run}`;
  const fleetId = `vans-${run}`;
  const member = `M-${run}`;
  const card = `V-${run}`;

  it('keeps fleets and groups apart, lists a fleet’s cards, and refuses to delete one with cards', async () => {
    expect((await A('POST', '/groups', { groupId, name: 'Flats' })).status).toBe(201);
    expect((await A('POST', '/fleets', { fleetId, name: 'Vans' })).status).toBe(201);
    expect((await A('GET', `/groups/${fleetId}`)).status).toBe(404);
    expect((await A('GET', `/fleets/${groupId}`)).status).toBe(404);
    const groups = (await A('GET', '/groups?limit=100')).json.items.map(
      (g: { groupId: string }) => g.groupId,
    );
    expect(groups).toContain(groupId);
    expect(groups).not.toContain(fleetId);

    expect((await A('POST', `/fleets/${fleetId}/cards`, { idTag: card })).status).toBe(201);
    expect((await A('POST', '/id-tags', { idTag: member, kind: 'member', groupId })).status).toBe(201);
    // A member of a fleet would be admitted nowhere: refused.
    const memberOfFleet = await A('PATCH', `/id-tags/${member}`, { groupId: fleetId });
    expect(memberOfFleet.json.error?.code).toBe('invalid_reference');
    const cards = await A('GET', `/fleets/${fleetId}/cards`);
    expect(cards.json.items).toEqual([{ idTag: card, kind: 'fleet', groupId: fleetId, flags: [] }]);

    const fleetInUse = await A('DELETE', `/fleets/${fleetId}`);
    expect(fleetInUse.status).toBe(409);
    expect(fleetInUse.json.error.message).toContain('1 id tag');
    expect((await A('DELETE', `/groups/${groupId}`)).status).toBe(409);
  });

  it("keeps a fleet's billing contact and payment flag; payment needs a contact", async () => {
    const noContact = await A('PATCH', `/fleets/${fleetId}`, { withPayment: true });
    expect(noContact.status).toBe(400);
    expect(noContact.json.error.message).toContain('billingContact');
    const contact = { email: 'accounts@vans.example', name: 'Vans accounts' };
    const paid = await A('PATCH', `/fleets/${fleetId}`, { withPayment: true, billingContact: contact });
    expect(paid.json.fleet).toEqual({ fleetId, name: 'Vans', billingContact: contact, withPayment: true });
    expect((await A('PATCH', `/fleets/${fleetId}`, { billingContact: null })).status).toBe(400);
    const unpaid = await A('PATCH', `/fleets/${fleetId}`, { withPayment: false, billingContact: null });
    expect(unpaid.json.fleet).toEqual({ fleetId, name: 'Vans', withPayment: false });
    const badCreate = await A('POST', '/fleets', { fleetId: `x${fleetId}`, name: 'X', withPayment: true });
    expect(badCreate.status).toBe(400);
  });

  it('blocks and unblocks a tag, sets and clears its expiry; ids are case-insensitive', async () => {
    const blocked = await A('PATCH', `/id-tags/${member.toLowerCase()}`, {
      blocked: true,
      expiresAt: '2031-05-01T12:00:00+02:00',
    });
    expect(blocked.status).toBe(200);
    expect(blocked.json.idTag).toMatchObject({ flags: ['blocked'], expiresAt: '2031-05-01T10:00:00.000Z' });
    const cleared = await A('PATCH', `/id-tags/${member}`, { blocked: false, expiresAt: null });
    expect(cleared.json.idTag).toEqual({ idTag: member, kind: 'member', groupId, flags: [] });
  });

  it('shows another operator nothing of it, and lets it change nothing', async () => {
    expect((await B('GET', `/id-tags/${member}`)).status).toBe(404);
    expect((await B('PATCH', `/id-tags/${member}`, { blocked: true })).status).toBe(404);
    expect((await B('DELETE', `/fleets/${fleetId}`)).status).toBe(404);
    expect((await B('GET', '/id-tags')).json.items).toEqual([]);
    expect((await B('GET', '/groups')).json.items).toEqual([]);
    expect((await A('GET', `/id-tags/${member}`)).json.idTag.flags).toEqual([]);
  });

  it('deletes a tag, then the fleet and group it held', async () => {
    expect((await A('DELETE', `/id-tags/${card}`)).json.idTag.idTag).toBe(card);
    expect((await A('DELETE', `/id-tags/${member}`)).status).toBe(200);
    expect((await A('DELETE', `/fleets/${fleetId}`)).json.fleet).toEqual({
      fleetId,
      name: 'Vans',
      withPayment: false,
    });
    expect((await A('DELETE', `/groups/${groupId}`)).status).toBe(200);
    expect((await A('GET', `/id-tags/${member}`)).status).toBe(404);
  });
});

afterAll(() => table.doc.destroy());
