/**
 * Group prices over site prices, set up entirely through the operator API: residents (a closed
 * user group) pay the group's rate at a site whose visitors pay the site's rate.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO } from '../../local/seed.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { operatorApi } from '../fixtures/operator-api.js';

const { httpUrl, ocppUrl } = inject('platform').endpoints;
const run = Date.now().toString(36).toUpperCase();
const siteId = `site-${run}`;
const groupId = `residents-${run}`;
const residentTag = `RES-${run}`;
const chargerId = `CAT-${run}`;
const password = 'catalog-charger-secret';

const api = operatorApi(httpUrl, DEMO.apiKey);

const energyTariff = (priceMilliMinor: number) => ({
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [{ components: [{ type: 'ENERGY', priceMilliMinor, taxRateBp: 2000 }] }],
});

describe('sites, groups and id tags', () => {
  it('refuses a site in a time zone that does not exist, and an id tag longer than OCPP allows', async () => {
    const site = await api('PUT', `/sites/${siteId}`, { name: 'Nowhere', timeZone: 'Mars/Olympus_Mons' });
    expect(site.status).toBe(400);
    expect(site.json.error?.message).toContain('timeZone must be an IANA time zone');
    const tag = await api('PUT', `/id-tags/${'X'.repeat(21)}`, { kind: 'member' });
    expect(tag.status).toBe(400);
    expect(tag.json.error?.message).toContain('at most 20 characters');
  });
});

describe('a group price overrides the site price', () => {
  const cp = simulatedCharger({ ocppUrl, chargerId, password });

  beforeAll(async () => {
    for (const [path, body] of [
      [`/tariffs/visitors-${run}`, energyTariff(40_000)],
      [`/tariffs/residents-${run}`, energyTariff(20_000)],
      [
        `/sites/${siteId}`,
        { name: 'Riverside Flats', timeZone: 'Europe/London', tariffId: `visitors-${run}` },
      ],
      [`/groups/${groupId}`, { name: 'Residents', tariffId: `residents-${run}` }],
      [`/id-tags/${residentTag}`, { kind: 'member', groupId, label: 'Flat 4' }],
    ] as const) {
      const res = await api('PUT', path, body);
      expect(res.status, `${path}: ${JSON.stringify(res.json)}`).toBe(200);
    }
    const charger = await api('POST', '/chargers', {
      chargerId,
      password,
      siteId,
      accessMode: 'public',
      paid: false,
    });
    expect(charger.status).toBe(201);
    await cp.connect();
  });

  afterAll(async () => {
    await cp.close({ force: true });
  });

  it('snapshots the residents rate for a resident and the site rate for a visitor', async () => {
    const start = async (connectorId: number, idTag: string) =>
      (
        (await cp.call('StartTransaction', {
          connectorId,
          idTag,
          meterStart: 0,
          timestamp: new Date().toISOString(),
        })) as { transactionId: number }
      ).transactionId;
    const resident = await start(1, residentTag);
    const visitor = await start(2, 'VISITOR-CARD');
    const snapshotOf = async (txId: number) =>
      (
        (await api('GET', `/chargers/${chargerId}/transactions/${txId}`)).json.transaction as {
          tariffId?: string;
        }
      ).tariffId;
    expect(await snapshotOf(resident)).toBe(`residents-${run}`);
    expect(await snapshotOf(visitor)).toBe(`visitors-${run}`);
  });
});
