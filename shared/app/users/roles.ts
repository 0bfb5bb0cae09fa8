/**
 * What an operator user's role allows: the one rule, applied once per request by the operator API's
 * registry (openapi/registry.ts `ownersOnly`), never re-derived in a handler.
 *
 * Owners manage who has access (users and API keys); staff run the chargers and see everything else.
 * An API key acts for the operator with an owner's reach: only an owner can have made it.
 */
import type { UserRole } from '../../ports/users.js';

export interface Caller {
  /** Present for a person's session; absent for an API key. */
  userId?: string;
  /** The session user's role as stored now (a change applies from the next request). */
  role?: UserRole;
}

/** Whether the caller may invite, change or remove users and issue, rotate or revoke API keys. */
export function mayManageAccess(caller: Caller): boolean {
  if (caller.userId === undefined) return true;
  // A session without a known role is refused: the safe side of a missing fact.
  return caller.role === 'owner';
}

export const MANAGE_ACCESS_REFUSAL =
  'only an owner may manage users and API keys: ask an owner of this operator to do it or to make you an owner';
