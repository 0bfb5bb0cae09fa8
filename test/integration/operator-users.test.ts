/**
 * The users API end to end (issue 11), through the HTTP server, DynamoDB Local and ses-local: an
 * owner's API key invites a staff user, who accepts the emailed link (password and TOTP) and signs
 * in; the staff session runs the chargers but may not manage users or API keys (403 `forbidden`);
 * made an owner, the same session may at once; removed, the session ends at once.
 */
import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { systemClock } from '../../shared/ports/clock.js';
import { uniqueId } from '../fixtures/contracts/ids.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, sesUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
afterAll(() => doc.destroy());

const ownerEmail = `${uniqueId('owner')}@users.example`.toLowerCase();
const staffEmail = `${uniqueId('staff')}@users.example`.toLowerCase();
const password = 'a long enough staff password';
let api: ReturnType<typeof operatorApi>;
let staffUserId: string;
let ownerUserId: string;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: httpUrl, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, res, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  const t = { doc, tableName: platform.tableName };
  const created = await createOperator(
    {
      operators: new DynamoOperatorRegistry(t),
      users: new DynamoUserStore(t),
      mailer: new MemoryMailer(),
      clock: systemClock,
      publicBaseUrl: httpUrl,
    },
    { name: 'Users Arms', email: ownerEmail, kind: 'public' },
  );
  api = operatorApi(httpUrl, created.apiKey.key);
});

describe('operator users', () => {
  let cookie: string;
  let csrfToken: string;

  it('an owner invites a staff user by email; the staff user accepts and signs in with TOTP', async () => {
    const listed = await api('GET', '/users');
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({ email: ownerEmail, role: 'owner', status: 'invited' }),
    ]);
    ownerUserId = listed.json.items[0].userId;

    const invited = await api('POST', '/users', { email: staffEmail, role: 'staff' });
    expect(invited.status, JSON.stringify(invited.json)).toBe(201);
    expect(invited.json.user).toMatchObject({ email: staffEmail, role: 'staff', status: 'invited' });
    expect(invited.json.invitation.sentTo).toBe(staffEmail);
    staffUserId = invited.json.user.userId;
    expect((await api('POST', '/users', { email: staffEmail, role: 'owner' })).json.error.code).toBe(
      'email_taken',
    );

    const mail = (await readInbox(sesUrl)).find((m) => m.destination.to.includes(staffEmail));
    const link = /(http\S+\/console\/accept\?token=[A-Za-z0-9_-]+)/.exec(mail?.body.text ?? '')?.[1];
    if (!link) throw new Error('no invitation link in the inbox');
    const secret = /name="totpSecret" value="([A-Z2-7]+)"/.exec(await (await fetch(link)).text())?.[1] ?? '';
    const code = (steps: number) =>
      new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({
        timestamp: Date.now() + steps * 30_000,
      });
    const accepted = await post('/api/v1/auth/accept-invite', {
      token: new URL(link).searchParams.get('token'),
      password,
      totpSecret: secret,
      totpCode: code(0),
    });
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(201);

    const begun = await post('/api/v1/auth/sign-in', { email: staffEmail, password });
    const done = await post('/api/v1/auth/second-factor', {
      challenge: begun.json.challenge,
      method: 'totp',
      code: code(1),
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    cookie = done.res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    csrfToken = done.json.csrfToken;
    expect((await api('GET', '/users')).json.items).toContainEqual(
      expect.objectContaining({ userId: staffUserId, status: 'active' }),
    );
  });

  it('staff run the operator but may not manage users or API keys', async () => {
    const asStaff = { cookie, 'x-csrf-token': csrfToken };
    expect((await fetch(`${httpUrl}/api/v1/chargers`, { headers: { cookie } })).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/api/v1/users'],
      ['GET', '/api/v1/api-keys'],
    ] as const) {
      const res = await fetch(`${httpUrl}${path}`, { method, headers: { cookie } });
      expect(res.status, path).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toContain('only an owner may manage users and API keys');
    }
    expect((await post('/api/v1/users', { email: 'x@users.example', role: 'owner' }, asStaff)).status).toBe(
      403,
    );
    expect((await post('/api/v1/api-keys', { label: 'staff key' }, asStaff)).status).toBe(403);
    // A staff user cannot promote themself either.
    const promote = await fetch(`${httpUrl}/api/v1/users/${staffUserId}`, {
      method: 'PATCH',
      headers: { ...asStaff, origin: httpUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'owner' }),
    });
    expect(promote.status).toBe(403);
    expect((await api('GET', `/users?limit=10`)).json.items).toContainEqual(
      expect.objectContaining({ userId: staffUserId, role: 'staff' }),
    );
  });

  it('keeps the last owner, applies a new role from the next request, and a removal ends the session', async () => {
    expect((await api('PATCH', `/users/${ownerUserId}`, { role: 'staff' })).json.error.code).toBe(
      'last_owner',
    );
    expect((await api('DELETE', `/users/${ownerUserId}`)).status).toBe(409);

    expect((await api('PATCH', `/users/${staffUserId}`, { role: 'owner' })).json.user.role).toBe('owner');
    expect((await fetch(`${httpUrl}/api/v1/users`, { headers: { cookie } })).status).toBe(200);
    expect((await api('PATCH', `/users/${ownerUserId}`, { role: 'staff' })).status).toBe(200);
    // Now the staff-made-owner is the last owner.
    expect((await api('DELETE', `/users/${staffUserId}`)).status).toBe(409);
    expect((await api('PATCH', `/users/${ownerUserId}`, { role: 'owner' })).status).toBe(200);

    const removed = await api('DELETE', `/users/${staffUserId}`);
    expect(removed.status).toBe(200);
    expect(removed.json.user.userId).toBe(staffUserId);
    expect((await fetch(`${httpUrl}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${httpUrl}/api/v1/chargers`, { headers: { cookie } })).status).toBe(401);
    expect((await api('DELETE', `/users/${staffUserId}`)).status).toBe(404);
    // Its email is free for a new invitation.
    expect((await api('POST', '/users', { email: staffEmail, role: 'staff' })).status).toBe(201);
  });
});
