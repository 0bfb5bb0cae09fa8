/**
 * Bringing chargers onto the platform through the operator API: register one with its own
 * password and connect it; claim an id prefix, let an unknown charger register itself as pending,
 * approve it, and see its next BootNotification accepted.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO, sha256 } from '../../local/seed.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { anOperator } from '../fixtures/ocpp/builders.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, ocppUrl } = platform.endpoints;
const run = Date.now().toString(36).toUpperCase();

const api = operatorApi(httpUrl, DEMO.apiKey);

function charger(chargerId: string, password: string): RPCClient {
  return simulatedCharger({ ocppUrl, chargerId, password });
}

const boot = (client: RPCClient) =>
  client.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'AC22' }) as Promise<{
    status: string;
  }>;

describe('registering a charger', () => {
  const chargerId = `REG-${run}`;
  const password = 'a-long-charger-secret-1';

  it('refuses a body with problems and says which', async () => {
    const res = await api('POST', '/chargers', {
      chargerId: 'has space',
      password: 'short',
      accessMode: 'everyone',
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('chargerId');
    expect(res.json.error?.message).toContain('password must be at least 16 characters');
    expect(res.json.error?.message).toContain('accessMode');
    expect(res.json.error?.message).toContain('paid');
  });

  it('registers it, never returns the password hash, and lets it connect with its password', async () => {
    const res = await api('POST', '/chargers', { chargerId, password, accessMode: 'private', paid: false });
    expect(res.status).toBe(201);
    // The charger is the caller's: it reads back under the caller's key (no operatorId in the shape).
    expect(res.json.charger).toMatchObject({ chargerId, registration: 'active' });
    expect((await api('GET', `/chargers/${chargerId}`)).status).toBe(200);
    expect(JSON.stringify(res.json)).not.toContain('scrypt');

    const client = charger(chargerId, password);
    await client.connect();
    expect((await boot(client)).status).toBe('Accepted');
    await client.close({ force: true });
  });

  // The id is the URL path segment and the Basic auth username: `:` ends the username, and
  // anything a URL percent-encodes would reach the platform changed or not at all.
  it.each([
    ['a colon', `CP:${run}`],
    ['a pipe', `CP|${run}`],
    ['an at sign', `CP@${run}`],
    ['a space', `CP ${run}`],
    ['49 characters', `CP-${run}-`.padEnd(49, 'x')],
  ])('refuses a charger id with %s with a 400 that says what an id may be', async (_, badId) => {
    const res = await api('POST', '/chargers', {
      chargerId: badId,
      password,
      accessMode: 'private',
      paid: false,
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain(
      'chargerId must be 1–48 characters: letters, digits, - _ and .',
    );
    expect((await api('GET', `/chargers/${encodeURIComponent(badId)}`)).status).toBe(404);
  });

  it('accepts 48 characters of letters, digits, - _ and .', async () => {
    const longId = `Ok_1.${run}-`.padEnd(48, 'z');
    const res = await api('POST', '/chargers', {
      chargerId: longId,
      password,
      accessMode: 'private',
      paid: false,
    });
    expect(res.status).toBe(201);
  });

  it('refuses the same id twice with 409', async () => {
    const res = await api('POST', '/chargers', { chargerId, password, accessMode: 'private', paid: false });
    expect(res.status).toBe(409);
  });
});

describe('self-registration under a claimed prefix', () => {
  const prefix = `AUTO${run}`;
  const chargerId = `${prefix}-0001`;
  const password = 'first-use-password-42';

  it('leaves an unknown charger outside until the operator claims its prefix', async () => {
    const client = charger(chargerId, password);
    await expect(client.connect()).rejects.toMatchObject({ code: 403 });
  });

  it('lets it in as pending once claimed, and accepts its Boot after approval', async () => {
    expect((await api('PUT', `/registration-prefixes/${prefix}`)).status).toBe(200);

    const client = charger(chargerId, password);
    await client.connect();
    expect((await boot(client)).status).toBe('Pending');

    const listed = await api('GET', `/chargers/${chargerId}`);
    expect(listed.json.charger).toMatchObject({ registration: 'pending' });

    expect((await api('POST', `/chargers/${chargerId}/approve`)).status).toBe(200);
    expect((await boot(client)).status).toBe('Accepted');
    expect((await api('POST', `/chargers/${chargerId}/approve`)).status).toBe(409);
    await client.close({ force: true });
  });

  it('lets a pending charger send what TriggerMessage asked for, and refuses anything else (OCPP 1.6 §4.2)', async () => {
    const triggeredId = `${prefix}-0002`;
    const client = charger(triggeredId, password);
    client.handle('TriggerMessage', async () => ({ status: 'Accepted' }));
    await client.connect();
    try {
      expect((await boot(client)).status).toBe('Pending');
      const triggered = await api('POST', `/chargers/${triggeredId}/commands`, {
        action: 'TriggerMessage',
        payload: { requestedMessage: 'StatusNotification', connectorId: 1 },
      });
      expect(triggered.json).toMatchObject({ status: 'succeeded', result: { status: 'Accepted' } });

      await expect(
        client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
      ).resolves.toEqual({});
      await expect(client.call('Heartbeat', {})).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
      await expect(
        client.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' }),
      ).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    } finally {
      await client.close({ force: true });
    }
  });

  it('refuses a prefix with a character no registrable charger id has, with a 400', async () => {
    const res = await api('PUT', `/registration-prefixes/AUTO${run}:`);
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('letters, digits, - _ and .');
  });

  it('reports approving a charger that does not exist as 404', async () => {
    const res = await api('POST', '/chargers/NOBODY-HERE/approve');
    expect(res.status).toBe(404);
  });
});

describe('prefix claims of two operators', () => {
  const rivalKey = `rival-key-${run}`;
  const rival = operatorApi(httpUrl, rivalKey);
  const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
  const base = `TAKE${run}`;

  beforeAll(async () => {
    const operators = new DynamoOperatorRegistry({ doc, tableName: platform.tableName });
    const operatorId = `op-rival-${run}`;
    await operators.create(anOperator({ operatorId, allowPendingChargers: true }));
    await operators.createApiKey({
      apiKeyHash: sha256(rivalKey),
      keyId: `rival${run}`,
      operatorId,
      label: 'rival',
      createdAt: new Date().toISOString(),
    });
  });
  afterAll(() => doc.destroy());

  it('refuses with 409 a prefix inside or around another operator’s, so its chargers stay its own', async () => {
    expect((await api('PUT', `/registration-prefixes/${base}-`)).status).toBe(200);
    // Longer (would win the longest match for ${base}-001) and shorter: both overlap.
    expect((await rival('PUT', `/registration-prefixes/${base}-0`)).status).toBe(409);
    expect((await rival('PUT', `/registration-prefixes/${base}`)).status).toBe(409);
    // Beside it, not overlapping: fine.
    expect((await rival('PUT', `/registration-prefixes/${base}_`)).status).toBe(200);

    const client = charger(`${base}-001`, 'first-use-password-42');
    await client.connect();
    await client.close({ force: true });
    // Read under the claiming operator's key: it is that operator's charger.
    expect((await api('GET', `/chargers/${base}-001`)).json.charger).toMatchObject({
      registration: 'pending',
    });
    expect((await rival('POST', `/chargers/${base}-001/approve`)).status).toBe(404);
  });
});
