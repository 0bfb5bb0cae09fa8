import type { Operator } from '../domain/entities.js';

/**
 * An operator API key as stored: only its SHA-256, never the key. `keyId` is a short random id, not
 * secret, that names the key in lists and in the key itself (shared/app/operators/api-keys.ts).
 */
export interface ApiKeyRecord {
  apiKeyHash: string;
  keyId: string;
  operatorId: string;
  label: string;
  createdAt: string;
  /** From this instant on the key is refused (domain/api-key.ts); may lie ahead during a rotation's grace. */
  revokedAt?: string;
  /** The key that replaced this one, when it was rotated. */
  rotatedToKeyId?: string;
  /**
   * The last time a request used the key. Nothing records it yet: recording it must be throttled
   * (say once an hour per key), never a write on every request; until then it is always absent.
   */
  lastUsedAt?: string;
}

/** What a list of keys shows: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, 'apiKeyHash'>;

export type RevokeOutcome = { outcome: 'revoked'; key: ApiKeySummary } | { outcome: 'not-found' };

export type RotateOutcome =
  | { outcome: 'rotated'; old: ApiKeySummary; created: ApiKeySummary }
  /** The old key no longer works: there is nothing to rotate (create a new key instead). */
  | { outcome: 'revoked'; old: ApiKeySummary }
  | { outcome: 'not-found' };

/**
 * Creating operators and managing their API keys (the admin CLI, the operator API, the local demo
 * seed). Every key operation takes the operator: a key id of another operator reads as not found.
 */
export interface OperatorRegistry {
  /** Creates the operator unless the id is taken; an existing operator is left as it is. */
  create(operator: Operator): Promise<'created' | 'exists'>;
  /** Stores the key unless its hash or its id is taken (then nothing is written). */
  createApiKey(key: ApiKeyRecord): Promise<'created' | 'exists'>;
  /** The operator's keys, revoked ones included until they expire, oldest first. */
  listApiKeys(operatorId: string): Promise<ApiKeySummary[]>;
  apiKey(operatorId: string, keyId: string): Promise<ApiKeySummary | undefined>;
  /**
   * Sets the key to be refused from `revokedAt` on, or keeps an earlier revocation already set
   * (domain/api-key.ts earlierRevocation). Revoking a revoked key is not an error.
   */
  revokeApiKey(operatorId: string, keyId: string, revokedAt: string): Promise<RevokeOutcome>;
  /**
   * Atomically stores `replacement` and sets the old key to be refused from `oldRevokedAt` on (or an
   * earlier time already set). Refused when the old key no longer works at `at`.
   */
  rotateApiKey(
    operatorId: string,
    keyId: string,
    replacement: ApiKeyRecord,
    oldRevokedAt: string,
    at: string,
  ): Promise<RotateOutcome>;
}
