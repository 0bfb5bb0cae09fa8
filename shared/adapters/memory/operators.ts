/**
 * Operators and their API keys in memory, with the DynamoDB adapter's semantics (operator-registry.ts,
 * operator-views.ts operatorForApiKey): create-only writes, keys reachable by id only through their
 * operator, revocations that are never postponed. The same contract suite runs over both.
 */
import { apiKeyActiveAt, earlierRevocation } from '../../domain/api-key.js';
import { type Operator, operatorKindOf } from '../../domain/entities.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import type {
  ApiKeyRecord,
  ApiKeySummary,
  OperatorRegistry,
  RevokeOutcome,
  RotateOutcome,
} from '../../ports/operators.js';

function summaryOf({ apiKeyHash: _hash, ...summary }: ApiKeyRecord): ApiKeySummary {
  return { ...summary };
}

export class MemoryOperatorRegistry
  implements OperatorRegistry, Pick<OperatorViews, 'operatorForApiKey' | 'operator'>
{
  readonly operators = new Map<string, Operator>();
  /** By hash, as the lookup item is keyed. */
  readonly keys = new Map<string, ApiKeyRecord>();

  async create(operator: Operator): Promise<'created' | 'exists'> {
    if (this.operators.has(operator.operatorId)) return 'exists';
    this.operators.set(operator.operatorId, { ...operator });
    return 'created';
  }

  async operator(operatorId: string): Promise<Operator | undefined> {
    const operator = this.operators.get(operatorId);
    return operator ? { ...operator, kind: operatorKindOf(operator) } : undefined;
  }

  async operatorForApiKey(apiKeyHash: string, atMs: number): Promise<string | undefined> {
    const key = this.keys.get(apiKeyHash);
    return key && apiKeyActiveAt(key.revokedAt, atMs) ? key.operatorId : undefined;
  }

  async createApiKey(key: ApiKeyRecord): Promise<'created' | 'exists'> {
    if (this.keys.has(key.apiKeyHash) || this.find(key.operatorId, key.keyId)) return 'exists';
    this.keys.set(key.apiKeyHash, { ...key });
    return 'created';
  }

  async listApiKeys(operatorId: string): Promise<ApiKeySummary[]> {
    return [...this.keys.values()]
      .filter((k) => k.operatorId === operatorId)
      .map(summaryOf)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async apiKey(operatorId: string, keyId: string): Promise<ApiKeySummary | undefined> {
    const key = this.find(operatorId, keyId);
    return key ? summaryOf(key) : undefined;
  }

  async revokeApiKey(operatorId: string, keyId: string, revokedAt: string): Promise<RevokeOutcome> {
    const key = this.find(operatorId, keyId);
    if (!key) return { outcome: 'not-found' };
    key.revokedAt = earlierRevocation(key.revokedAt, revokedAt);
    return { outcome: 'revoked', key: summaryOf(key) };
  }

  async rotateApiKey(
    operatorId: string,
    keyId: string,
    replacement: ApiKeyRecord,
    oldRevokedAt: string,
    at: string,
  ): Promise<RotateOutcome> {
    const key = this.find(operatorId, keyId);
    if (!key) return { outcome: 'not-found' };
    if (!apiKeyActiveAt(key.revokedAt, Date.parse(at))) return { outcome: 'revoked', old: summaryOf(key) };
    if (this.keys.has(replacement.apiKeyHash) || this.find(operatorId, replacement.keyId)) {
      // The DynamoDB transaction fails on the taken key and writes nothing; so does this.
      throw new Error(`replacement key ${replacement.keyId} is taken`);
    }
    this.keys.set(replacement.apiKeyHash, { ...replacement });
    key.revokedAt = earlierRevocation(key.revokedAt, oldRevokedAt);
    key.rotatedToKeyId = replacement.keyId;
    return { outcome: 'rotated', old: summaryOf(key), created: summaryOf(replacement) };
  }

  private find(operatorId: string, keyId: string): ApiKeyRecord | undefined {
    return [...this.keys.values()].find((k) => k.operatorId === operatorId && k.keyId === keyId);
  }
}
