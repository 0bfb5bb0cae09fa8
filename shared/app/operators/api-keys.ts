/**
 * Operator API keys: issued, listed, rotated and revoked, by the admin CLI (bin/admin.ts) and the
 * operator API (`/api/v1/api-keys`). A key is shown once, when it is issued; only its SHA-256 is
 * stored. The key embeds its id (`evk_<keyId>_<secret>`), so an operator can tell from a key in a
 * config file which listed key it is, while the id alone opens nothing.
 *
 * Rotation issues a new key and lets the old one keep working for a grace period (by default
 * ROTATION_GRACE_SECONDS, 24 h; 0 revokes it at once), so the machines that use it can switch
 * without an outage. A key that may have leaked is revoked instead: that takes effect at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { apiKeyActiveAt } from '../../domain/api-key.js';
import type { Clock } from '../../ports/clock.js';
import type { ApiKeySummary, OperatorRegistry } from '../../ports/operators.js';

export interface ApiKeyDeps {
  operators: OperatorRegistry;
  clock: Clock;
}

/** How long a rotated key keeps working unless the caller says otherwise. */
export const ROTATION_GRACE_SECONDS = 24 * 3600;
/** The longest grace a rotation may give: a week, after which an unswitched machine should fail. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

export const keyIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a key id: letters, digits, - and _ only, at most 64');

const label = z.string().trim().min(1, 'label must not be empty').max(80, 'label has at most 80 characters');

/** `POST /api/v1/api-keys` */
export const CreateApiKeyBody = z.strictObject({ label });

/** `POST /api/v1/api-keys/{keyId}/rotate`; the body may be empty. */
export const RotateApiKeyBody = z.strictObject({
  /** The new key's label; the old key's by default. */
  label: label.optional(),
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_ROTATION_GRACE_SECONDS, `graceSeconds is at most ${MAX_ROTATION_GRACE_SECONDS} (7 days)`)
    .default(ROTATION_GRACE_SECONDS),
});

/** A key as the API and the CLI show it: never the key or its hash, and no storage fields. */
export const ApiKeyShape = z
  .strictObject({
    keyId: z.string(),
    label: z.string(),
    /** `active`; `expiring` during a rotation's grace (until `revokedAt`); `revoked` from `revokedAt` on. */
    status: z.enum(['active', 'expiring', 'revoked']),
    createdAt: z.iso.datetime({ offset: true }),
    revokedAt: z.iso.datetime({ offset: true }).optional(),
    rotatedToKeyId: z.string().optional(),
    /** Not recorded yet (ports/operators.ts ApiKeyRecord.lastUsedAt): absent for now. */
    lastUsedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyOut = z.infer<typeof ApiKeyShape>;

/** A newly issued key: the only time `key` is shown. */
export const IssuedApiKeyShape = z
  .strictObject({ apiKey: ApiKeyShape, key: z.string() })
  .meta({ id: 'IssuedApiKey' });
export type IssuedApiKey = z.infer<typeof IssuedApiKeyShape>;

/** `GET /api/v1/api-keys`: one page, as every list of the API (shared/http/openapi/registry.ts pageOf). */
export const ApiKeyListShape = z.strictObject({
  items: z.array(ApiKeyShape),
  nextCursor: z.string().nullable(),
});

export const RotatedApiKeyShape = IssuedApiKeyShape.extend({ previous: ApiKeyShape }).meta({
  id: 'RotatedApiKey',
});
export type RotatedApiKey = z.infer<typeof RotatedApiKeyShape>;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A fresh key: 256 random bits behind a random 48-bit id. */
export function newApiKey(): { keyId: string; key: string; apiKeyHash: string } {
  const keyId = randomBytes(6).toString('hex');
  const key = `evk_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { keyId, key, apiKeyHash: sha256(key) };
}

function shapeOf(summary: ApiKeySummary, atMs: number): ApiKeyOut {
  const status =
    summary.revokedAt === undefined
      ? 'active'
      : apiKeyActiveAt(summary.revokedAt, atMs)
        ? 'expiring'
        : 'revoked';
  return {
    keyId: summary.keyId,
    label: summary.label,
    status,
    createdAt: summary.createdAt,
    ...(summary.revokedAt ? { revokedAt: summary.revokedAt } : {}),
    ...(summary.rotatedToKeyId ? { rotatedToKeyId: summary.rotatedToKeyId } : {}),
    ...(summary.lastUsedAt ? { lastUsedAt: summary.lastUsedAt } : {}),
  };
}

export async function issueApiKey(
  deps: ApiKeyDeps,
  operatorId: string,
  input: z.infer<typeof CreateApiKeyBody>,
): Promise<IssuedApiKey> {
  const nowMs = deps.clock.now();
  const { keyId, key, apiKeyHash } = newApiKey();
  const record = {
    apiKeyHash,
    keyId,
    operatorId,
    label: input.label,
    createdAt: new Date(nowMs).toISOString(),
  };
  // 48 random bits of id and 256 of key: a clash is not a case to handle, only to refuse loudly.
  if ((await deps.operators.createApiKey(record)) !== 'created')
    throw new Error(`API key id ${keyId} is taken`);
  const { apiKeyHash: _hash, ...summary } = record;
  return { apiKey: shapeOf(summary, nowMs), key };
}

export async function listApiKeys(deps: ApiKeyDeps, operatorId: string): Promise<ApiKeyOut[]> {
  const nowMs = deps.clock.now();
  return (await deps.operators.listApiKeys(operatorId)).map((k) => shapeOf(k, nowMs));
}

/** Revokes at once; `not-found` also for another operator's key (tenancy). */
export async function revokeApiKey(
  deps: ApiKeyDeps,
  operatorId: string,
  keyId: string,
): Promise<{ outcome: 'revoked'; apiKey: ApiKeyOut } | { outcome: 'not-found' }> {
  const nowMs = deps.clock.now();
  const result = await deps.operators.revokeApiKey(operatorId, keyId, new Date(nowMs).toISOString());
  if (result.outcome === 'not-found') return result;
  return { outcome: 'revoked', apiKey: shapeOf(result.key, nowMs) };
}

export async function rotateApiKey(
  deps: ApiKeyDeps,
  operatorId: string,
  keyId: string,
  input: z.infer<typeof RotateApiKeyBody>,
): Promise<({ outcome: 'rotated' } & RotatedApiKey) | { outcome: 'revoked' } | { outcome: 'not-found' }> {
  const nowMs = deps.clock.now();
  const now = new Date(nowMs).toISOString();
  const old = await deps.operators.apiKey(operatorId, keyId);
  if (!old) return { outcome: 'not-found' };
  const { keyId: newKeyId, key, apiKeyHash } = newApiKey();
  const result = await deps.operators.rotateApiKey(
    operatorId,
    keyId,
    { apiKeyHash, keyId: newKeyId, operatorId, label: input.label ?? old.label, createdAt: now },
    new Date(nowMs + input.graceSeconds * 1000).toISOString(),
    now,
  );
  if (result.outcome === 'revoked') return { outcome: 'revoked' };
  if (result.outcome === 'not-found') return { outcome: 'not-found' };
  return {
    outcome: 'rotated',
    apiKey: shapeOf(result.created, nowMs),
    key,
    previous: shapeOf(result.old, nowMs),
  };
}
