/** Operators (keys.operator) and their API keys (keys.apiKey, looked up by hash on every API call). */
import type { Operator } from '../../domain/entities.js';
import type { ApiKeyRecord, OperatorRegistry } from '../../ports/operators.js';
import { keys } from './keys.js';
import { putIfAbsent, type TableContext } from './support.js';

export class DynamoOperatorRegistry implements OperatorRegistry {
  constructor(private readonly t: TableContext) {}

  create(operator: Operator): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, { ...keys.operator(operator.operatorId), entity: 'operator', ...operator });
  }

  createApiKey(key: ApiKeyRecord): Promise<'created' | 'exists'> {
    const { apiKeyHash, ...rest } = key;
    return putIfAbsent(this.t, { ...keys.apiKey(apiKeyHash), entity: 'apiKey', ...rest });
  }
}
