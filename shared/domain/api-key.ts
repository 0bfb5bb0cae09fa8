/**
 * When an operator API key stops working. A key is refused from its `revokedAt` on; that instant may
 * lie in the future: a rotated key keeps working through a grace period so that the machines using
 * it can switch to the new key (shared/app/operators/api-keys.ts ROTATION_GRACE_SECONDS).
 */

/** Whether a key revoked at `revokedAt` (ISO-8601, absent: never) still works at `atMs` (epoch ms). */
export function apiKeyActiveAt(revokedAt: string | undefined, atMs: number): boolean {
  return revokedAt === undefined || atMs < Date.parse(revokedAt);
}

/**
 * The revocation time that holds when a key already set to be revoked at `current` is revoked again
 * at `next`: the earlier one, so a revocation is never postponed (a revoke during a rotation's grace
 * period takes effect at once; a second rotation does not extend the first one's grace).
 */
export function earlierRevocation(current: string | undefined, next: string): string {
  return current !== undefined && Date.parse(current) <= Date.parse(next) ? current : next;
}
