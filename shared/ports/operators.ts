import type { Operator } from '../domain/entities.js';

/** An operator API key as stored: only its SHA-256, never the key. */
export interface ApiKeyRecord {
  apiKeyHash: string;
  operatorId: string;
  label: string;
  createdAt: string;
}

/** Creating operators and their API keys (onboarding, the local demo seed). */
export interface OperatorRegistry {
  /** Creates the operator unless the id is taken; an existing operator is left as it is. */
  create(operator: Operator): Promise<'created' | 'exists'>;
  createApiKey(key: ApiKeyRecord): Promise<'created' | 'exists'>;
}
