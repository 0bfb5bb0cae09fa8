/**
 * An operator's users managed by an owner (`/api/v1/users`): invite, list, change a role, remove.
 * Who may call these is decided once, before they run (roles.ts via the registry's `ownersOnly`).
 *
 * The one rule of their own: an operator always keeps an owner, so nobody can lock the operator
 * out of managing its users and keys. Demoting or removing the last owner is refused
 * (`last-owner`). The check reads the operator's users and then writes: two owners
 * demoting each other at the same moment could both pass it; the platform admin CLI can invite
 * a new owner in that case.
 */
import * as z from 'zod';
import type { OperatorViews } from '../../ports/operator-views.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { UserRecord, UserRole } from '../../ports/users.js';
import { type InvitationDeps, type Invited, inviteUser } from './invitations.js';

export interface ManageUsersDeps extends InvitationDeps {
  views: Pick<OperatorViews, 'operator'>;
}

export const USER_ROLES = ['owner', 'staff'] as const satisfies readonly UserRole[];

export const InviteUserBody = z.strictObject({
  email: z.email('email must be an email address').max(254),
  role: z.enum(USER_ROLES, { error: 'role must be owner or staff' }),
});

export const ChangeRoleBody = z.strictObject({
  role: z.enum(USER_ROLES, { error: 'role must be owner or staff' }),
});

export const userIdParam = z.string().regex(/^usr-[a-z0-9]{1,40}$/, 'a user id looks like usr-0a1b2c…');

/**
 * Whether the operator still has an owner once `userId` is removed (`role` undefined) or given
 * `role`. An invited owner counts: the operator is theirs as soon as they accept.
 */
export function keepsAnOwner(users: readonly UserRecord[], userId: string, role?: UserRole): boolean {
  return users.some((u) => (u.userId === userId ? role === 'owner' : u.role === 'owner'));
}

export const listUsers = (
  deps: ManageUsersDeps,
  operatorId: string,
  page: PageRequest,
): Promise<Page<UserRecord>> => deps.users.listUsers(operatorId, page);

export async function inviteOperatorUser(
  deps: ManageUsersDeps,
  operatorId: string,
  input: z.infer<typeof InviteUserBody>,
): Promise<{ outcome: 'invited'; invited: Invited; user: UserRecord } | { outcome: 'email-taken' }> {
  const operator = await deps.views.operator(operatorId);
  const result = await inviteUser(deps, {
    operatorId,
    operatorName: operator?.name ?? operatorId,
    email: input.email,
    role: input.role,
  });
  if ('outcome' in result) return result;
  const user = await deps.users.user(operatorId, result.userId);
  if (!user) throw new Error(`user ${result.userId} was created but cannot be read back`);
  return { outcome: 'invited', invited: result, user };
}

export async function changeRole(
  deps: ManageUsersDeps,
  operatorId: string,
  userId: string,
  role: UserRole,
): Promise<{ outcome: 'updated'; user: UserRecord } | { outcome: 'not-found' } | { outcome: 'last-owner' }> {
  const users = await deps.users.allUsers(operatorId);
  const user = users.find((u) => u.userId === userId);
  if (!user) return { outcome: 'not-found' };
  if (user.role === role) return { outcome: 'updated', user };
  if (!keepsAnOwner(users, userId, role)) return { outcome: 'last-owner' };
  if ((await deps.users.setRole(operatorId, userId, role)) === 'not-found') return { outcome: 'not-found' };
  return { outcome: 'updated', user: { ...user, role } };
}

export async function removeUser(
  deps: ManageUsersDeps,
  operatorId: string,
  userId: string,
): Promise<{ outcome: 'removed'; user: UserRecord } | { outcome: 'not-found' } | { outcome: 'last-owner' }> {
  const users = await deps.users.allUsers(operatorId);
  const user = users.find((u) => u.userId === userId);
  if (!user) return { outcome: 'not-found' };
  if (!keepsAnOwner(users, userId)) return { outcome: 'last-owner' };
  if ((await deps.users.deleteUser(operatorId, userId)) === 'not-found') return { outcome: 'not-found' };
  return { outcome: 'removed', user };
}
