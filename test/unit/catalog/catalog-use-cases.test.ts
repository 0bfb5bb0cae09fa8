/**
 * The catalog's use cases over the in-memory stores (shared/adapters/memory/catalog.ts): what a
 * change keeps and clears, what a delete refuses, and that another operator's id is not found
 * before anything about the body is said.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryCatalog,
  MemoryChargerSettings,
  MemoryOperatorSettings,
  MemoryTariffs,
} from '../../../shared/adapters/memory/catalog.js';
import {
  createGroup,
  createIdTag,
  createSite,
  deleteGroup,
  deleteSite,
  updateIdTag,
  updateSite,
} from '../../../shared/app/catalog/catalog-items.js';
import { deleteCharger, updateCharger } from '../../../shared/app/catalog/charger-settings.js';
import { updateOperatorSettings } from '../../../shared/app/catalog/operator-settings.js';
import { deleteTariff, previewCharge, updateTariff } from '../../../shared/app/tariffs/manage-tariffs.js';
import type { Operator } from '../../../shared/domain/entities.js';
import { priceSession } from '../../../shared/domain/pricing.js';
import { parseTariff, type Tariff } from '../../../shared/domain/tariff.js';
import type { OperatorViews, TransactionView } from '../../../shared/ports/operator-views.js';
import { aCharger, anOperator, OPERATOR_ID } from '../../fixtures/ocpp/builders.js';

const OTHER = 'op-other';

const aTariff = (id: string, over: Partial<Tariff> = {}): Tariff =>
  parseTariff({
    id,
    operatorId: OPERATOR_ID,
    currency: 'GBP',
    timeZone: 'Europe/London',
    elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 2000 }] }],
    ...over,
  });

function world() {
  const catalogStore = new MemoryCatalog();
  const tariffCatalog = new MemoryTariffs();
  const chargerSettings = new MemoryChargerSettings(catalogStore.chargers);
  const operators = new Map<string, Operator>([[OPERATOR_ID, anOperator()]]);
  const transactions: TransactionView[] = [];
  const views = {
    operator: async (id: string) => operators.get(id),
    charger: async (id: string) => {
      const charger = catalogStore.chargers.get(id);
      if (!charger) return undefined;
      const { passwordHash: _hidden, ...visible } = charger;
      return { charger: visible, connectors: [] };
    },
    transactions: async (operatorId: string) => ({
      items: transactions.filter((t) => t.operatorId === operatorId),
    }),
  } as unknown as OperatorViews;
  return {
    deps: {
      catalogStore,
      tariffCatalog,
      chargerSettings,
      views,
      operatorSettings: new MemoryOperatorSettings(operators),
    },
    operators,
    transactions,
  };
}

let w: ReturnType<typeof world>;
beforeEach(() => {
  w = world();
});

describe('sites', () => {
  it('creates once, and names a tariff only of the operator', async () => {
    await w.deps.tariffCatalog.put(aTariff('day', { operatorId: OTHER }));
    const site = { siteId: 's1', name: 'Yard', timeZone: 'Europe/London' };
    expect(await createSite(w.deps, OPERATOR_ID, { ...site, tariffId: 'day' })).toEqual({
      outcome: 'unknown-reference',
      message: 'tariff day not found',
    });
    expect((await createSite(w.deps, OPERATOR_ID, site)).outcome).toBe('ok');
    expect((await createSite(w.deps, OPERATOR_ID, site)).outcome).toBe('exists');
  });

  it('changes only the fields given; null clears an optional one', async () => {
    await w.deps.catalogStore.putSite({
      operatorId: OPERATOR_ID,
      siteId: 's1',
      name: 'Yard',
      address: '1 Road',
      timeZone: 'Europe/London',
    });
    const result = await updateSite(w.deps, OPERATOR_ID, 's1', { address: null, name: 'Depot' });
    expect(result).toEqual({
      outcome: 'ok',
      item: { operatorId: OPERATOR_ID, siteId: 's1', name: 'Depot', timeZone: 'Europe/London' },
    });
    expect(await updateSite(w.deps, OTHER, 's1', { name: 'Mine now' })).toEqual({ outcome: 'not-found' });
    expect((await w.deps.catalogStore.site(OPERATOR_ID, 's1'))?.name).toBe('Depot');
  });

  it('refuses to delete a site a charger is at', async () => {
    await w.deps.catalogStore.putSite({
      operatorId: OPERATOR_ID,
      siteId: 's1',
      name: 'Yard',
      timeZone: 'UTC',
    });
    w.deps.catalogStore.chargers.set('CP-1', aCharger({ chargerId: 'CP-1', siteId: 's1' }));
    expect(await deleteSite(w.deps, OPERATOR_ID, 's1')).toMatchObject({ outcome: 'in-use' });
    w.deps.catalogStore.chargers.set('CP-1', aCharger({ chargerId: 'CP-1' }));
    expect(await deleteSite(w.deps, OPERATOR_ID, 's1')).toMatchObject({ outcome: 'deleted' });
    expect(await deleteSite(w.deps, OPERATOR_ID, 's1')).toEqual({ outcome: 'not-found' });
  });
});

describe('groups, fleets and tags', () => {
  it('keeps a fleet out of the group routes, and a member tag out of a fleet', async () => {
    expect((await createGroup(w.deps, OPERATOR_ID, 'fleet', { groupId: 'vans', name: 'Vans' })).outcome).toBe(
      'ok',
    );
    expect(await deleteGroup(w.deps, OPERATOR_ID, 'group', 'vans')).toEqual({ outcome: 'not-found' });
    expect(
      await createIdTag(w.deps, OPERATOR_ID, { idTag: 'M1', kind: 'member', groupId: 'vans' }),
    ).toMatchObject({
      outcome: 'unknown-reference',
    });
    expect(
      (await createIdTag(w.deps, OPERATOR_ID, { idTag: 'F1', kind: 'fleet', groupId: 'vans' })).outcome,
    ).toBe('ok');
    expect(await deleteGroup(w.deps, OPERATOR_ID, 'fleet', 'vans')).toMatchObject({
      outcome: 'in-use',
      message: expect.stringContaining('1 id tag'),
    });
  });

  it('blocks a tag and clears its expiry, found whatever the case', async () => {
    await w.deps.catalogStore.putIdTag({
      operatorId: OPERATOR_ID,
      idTag: 'ABC',
      kind: 'owner',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    const result = await updateIdTag(w.deps, OPERATOR_ID, 'abc', { blocked: true, expiresAt: null });
    expect(result).toEqual({
      outcome: 'ok',
      item: { operatorId: OPERATOR_ID, idTag: 'ABC', kind: 'owner', blocked: true },
    });
  });
});

describe('chargers', () => {
  beforeEach(() => {
    w.deps.catalogStore.chargers.set('CP-1', aCharger({ chargerId: 'CP-1' }));
  });

  it("answers not found for another operator's charger before checking the body's references", async () => {
    expect(await updateCharger(w.deps, OTHER, 'CP-1', { siteId: 'nowhere' })).toEqual({
      outcome: 'not-found',
    });
    expect(await updateCharger(w.deps, OPERATOR_ID, 'CP-1', { siteId: 'nowhere' })).toEqual({
      outcome: 'unknown-reference',
      message: 'site nowhere not found',
    });
    const changed = await updateCharger(w.deps, OPERATOR_ID, 'CP-1', { paid: true, connectorCount: 4 });
    expect(changed).toMatchObject({ outcome: 'ok', item: { paid: true, connectorCount: 4 } });
  });

  it('refuses removal while a session is not final', async () => {
    w.deps.chargerSettings.transactionStatuses.set('CP-1', ['final', 'stopped']);
    expect(await deleteCharger(w.deps, OPERATOR_ID, 'CP-1')).toMatchObject({ outcome: 'in-use' });
    w.deps.chargerSettings.transactionStatuses.set('CP-1', ['final', 'final']);
    expect(await deleteCharger(w.deps, OTHER, 'CP-1')).toEqual({ outcome: 'not-found' });
    expect(await deleteCharger(w.deps, OPERATOR_ID, 'CP-1')).toMatchObject({ outcome: 'deleted' });
    expect(w.deps.catalogStore.chargers.has('CP-1')).toBe(false);
  });
});

describe('operator settings', () => {
  it('locks the currency once there is a session, and wants the pre-auth in the new currency', async () => {
    expect(
      await updateOperatorSettings(w.deps, OPERATOR_ID, {
        preAuthAmount: { amountMinor: 100, currency: 'EUR' },
      }),
    ).toMatchObject({ outcome: 'invalid' });
    w.transactions.push({ chargerId: 'CP-1', transactionId: 1, operatorId: OPERATOR_ID });
    expect(await updateOperatorSettings(w.deps, OPERATOR_ID, { currency: 'EUR' })).toMatchObject({
      outcome: 'currency-locked',
    });
    // The same currency again is no change.
    expect((await updateOperatorSettings(w.deps, OPERATOR_ID, { currency: 'GBP' })).outcome).toBe('ok');
  });

  it('sets the switches from the flags, all of them', async () => {
    await updateOperatorSettings(w.deps, OPERATOR_ID, { flags: ['bill-members'] });
    expect(w.operators.get(OPERATOR_ID)).toMatchObject({
      allowPendingChargers: false,
      allowFreeUse: false,
      billMembers: true,
    });
  });
});

describe('tariffs', () => {
  it('changes top-level fields, keeps the id and operator whatever the body says', async () => {
    await w.deps.tariffCatalog.put(aTariff('day', { name: 'Day' }));
    const result = await updateTariff(w.deps, OPERATOR_ID, 'day', {
      name: null,
      id: 'other',
      operatorId: OTHER,
    });
    expect(result.outcome).toBe('ok');
    const stored = await w.deps.tariffCatalog.get(OPERATOR_ID, 'day');
    expect(stored).toMatchObject({ id: 'day', operatorId: OPERATOR_ID });
    expect(stored?.name).toBeUndefined();
    expect(await w.deps.tariffCatalog.get(OTHER, 'other')).toBeUndefined();
  });

  it('refuses to delete a tariff a group prices by', async () => {
    await w.deps.tariffCatalog.put(aTariff('day'));
    await w.deps.catalogStore.putGroup({ operatorId: OPERATOR_ID, groupId: 'g', name: 'G', tariffId: 'day' });
    expect(await deleteTariff(w.deps, OPERATOR_ID, 'day')).toMatchObject({
      outcome: 'in-use',
      message: expect.stringContaining('1 group'),
    });
  });

  it('previews a sample exactly as priceSession prices the same readings', () => {
    const tariff = aTariff('day', {
      elements: [
        {
          components: [
            { type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 2000 },
            { type: 'PARKING', priceMilliMinor: 600_000, taxRateBp: 2000 },
          ],
        },
      ],
    });
    const startedAtMs = Date.parse('2026-11-02T10:00:00Z');
    const charge = previewCharge(tariff, {
      startedAt: '2026-11-02T10:00:00Z',
      energyWh: 7_500,
      chargingMinutes: 45,
      idleMinutes: 20,
    });
    expect(charge).toEqual(
      priceSession(tariff, {
        startedAtMs,
        meterStartWh: 0,
        samples: [{ atMs: startedAtMs + 45 * 60_000, kind: 'register', milliWh: 7_500_000 }],
        stoppedAtMs: startedAtMs + 65 * 60_000,
      }),
    );
    expect(charge.lines.map((l) => l.component)).toEqual(['ENERGY', 'PARKING']);
  });
});
