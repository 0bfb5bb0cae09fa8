/**
 * Who may manage users and API keys, decided in one place (app/users/roles.ts, applied by the
 * registry's `ownersOnly`), and the last-owner rule of the users API.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import {
  changeRole,
  keepsAnOwner,
  type ManageUsersDeps,
  removeUser,
} from '../../../shared/app/users/manage-users.js';
import { MANAGE_ACCESS_REFUSAL, mayManageAccess } from '../../../shared/app/users/roles.js';
import { routeOf } from '../../../shared/http/openapi/registry.js';
import { type OperatorApiDeps, operatorOperations } from '../../../shared/http/operator-api.js';
import type { OperatorRequest } from '../../../shared/http/operator-auth.js';
import type { HttpEvent } from '../../../shared/http/responses.js';
import { HttpError } from '../../../shared/lambda/http-errors.js';
import type { UserRecord } from '../../../shared/ports/users.js';

describe('mayManageAccess', () => {
  it.each([
    ['an API key', {}, true],
    ['an owner', { userId: 'usr-1', role: 'owner' as const }, true],
    ['a staff user', { userId: 'usr-1', role: 'staff' as const }, false],
    ['a session whose role is unknown', { userId: 'usr-1' }, false],
  ])('%s: %s', (_who, caller, allowed) => {
    expect(mayManageAccess(caller)).toBe(allowed);
  });
});

describe('the owners-only operations', () => {
  const operations = operatorOperations(() => ({}) as OperatorApiDeps);
  const managing = operations.filter((op) => op.tag === 'Users' || op.tag === 'API keys');

  it('are every operation on users and API keys, and each documents 403 forbidden', () => {
    expect(managing.map((op) => op.operationId).sort()).toEqual(
      [
        'changeUserRole',
        'createApiKey',
        'inviteUser',
        'listApiKeys',
        'listUsers',
        'removeUser',
        'revokeApiKey',
        'rotateApiKey',
      ].sort(),
    );
    for (const op of managing) {
      expect(op.ownersOnly, op.operationId).toBe(true);
      expect(op.errors?.[403], op.operationId).toEqual(['forbidden']);
    }
    expect(operations.filter((op) => op.ownersOnly)).toHaveLength(managing.length);
  });

  const event = (method: string) =>
    ({
      headers: {},
      requestContext: { http: { method, path: '/', sourceIp: '127.0.0.1' } },
      pathParameters: { userId: 'usr-abc', keyId: 'key-1' },
    }) as unknown as HttpEvent;

  it.each(managing.map((op) => [op.operationId, op] as const))(
    '%s refuses a staff session with 403 before it reads anything',
    async (_id, op) => {
      const request: OperatorRequest = {
        event: event(op.method),
        operatorId: 'op-1',
        userId: 'usr-staff',
        role: 'staff',
      };
      // The deps are empty: reaching the handler would throw a TypeError, not this.
      const refusal = await routeOf(op)
        .handler(request)
        .catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(HttpError);
      expect(refusal).toMatchObject({ statusCode: 403, code: 'forbidden', message: MANAGE_ACCESS_REFUSAL });
    },
  );

  it('lets an owner through to the operation (which then runs)', async () => {
    const listUsers = managing.find((op) => op.operationId === 'listUsers');
    if (!listUsers) throw new Error('no listUsers');
    const users = new MemoryUserStore();
    const route = routeOf(
      operatorOperations(() => ({ users }) as unknown as OperatorApiDeps).find(
        (op) => op.operationId === 'listUsers',
      ) ?? listUsers,
    );
    const answer = (await route.handler({
      event: event('GET'),
      operatorId: 'op-1',
      userId: 'usr-owner',
      role: 'owner',
    })) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual({ items: [], nextCursor: null });
  });
});

const aUser = (
  userId: string,
  role: UserRecord['role'],
  status: UserRecord['status'] = 'active',
): UserRecord => ({
  operatorId: 'op-1',
  userId,
  email: `${userId}@example.com`,
  role,
  status,
  recoveryCodeHashes: [],
  createdAt: '2026-11-01T09:00:00.000Z',
});

describe('the last active owner', () => {
  it('keepsAnOwner counts the owners left after the change, invited ones too', () => {
    const users = [aUser('usr-a', 'owner'), aUser('usr-b', 'staff')];
    expect(keepsAnOwner(users, 'usr-a', 'staff')).toBe(false);
    expect(keepsAnOwner(users, 'usr-a')).toBe(false);
    expect(keepsAnOwner(users, 'usr-a', 'owner')).toBe(true);
    expect(keepsAnOwner(users, 'usr-b', 'owner')).toBe(true);
    expect(keepsAnOwner(users, 'usr-b')).toBe(true);
    expect(keepsAnOwner([...users, aUser('usr-c', 'owner', 'invited')], 'usr-a')).toBe(true);
  });

  let deps: ManageUsersDeps;
  beforeEach(async () => {
    const users = new MemoryUserStore();
    deps = {
      users,
      mailer: new MemoryMailer(),
      clock: new ManualClock(),
      publicBaseUrl: 'https://charge.example',
      views: { operator: async () => undefined },
    };
    await users.createUser(aUser('usr-a', 'owner'));
    await users.createUser(aUser('usr-b', 'staff'));
  });

  it('cannot be demoted or removed; once another is owner, it can', async () => {
    expect(await changeRole(deps, 'op-1', 'usr-a', 'staff')).toEqual({ outcome: 'last-owner' });
    expect(await removeUser(deps, 'op-1', 'usr-a')).toEqual({ outcome: 'last-owner' });
    expect((await deps.users.user('op-1', 'usr-a'))?.role).toBe('owner');

    expect(await changeRole(deps, 'op-1', 'usr-b', 'owner')).toMatchObject({ outcome: 'updated' });
    expect(await removeUser(deps, 'op-1', 'usr-a')).toMatchObject({ outcome: 'removed' });
    expect(await deps.users.user('op-1', 'usr-a')).toBeUndefined();
    expect(await deps.users.userByEmail('usr-a@example.com')).toBeUndefined();
  });

  it("reads another operator's user as not found", async () => {
    expect(await changeRole(deps, 'op-2', 'usr-b', 'owner')).toEqual({ outcome: 'not-found' });
    expect(await removeUser(deps, 'op-2', 'usr-b')).toEqual({ outcome: 'not-found' });
  });
});
