import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Charger } from '../../domain/entities.js';
import type { ChargerAdmin } from '../../ports/charger-admin.js';
import type { RegistrationPrefix } from '../../ports/charger-registry.js';
import { DynamoChargerRepository } from './charger-repository.js';
import { keys } from './keys.js';

export class DynamoChargerAdmin implements ChargerAdmin {
  private readonly chargers: DynamoChargerRepository;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.chargers = new DynamoChargerRepository({ doc: db, tableName });
  }

  register(charger: Charger): Promise<'created' | 'exists'> {
    return this.chargers.createIfAbsent(charger);
  }

  async approve(operatorId: string, chargerId: string): Promise<'approved' | 'not-found' | 'not-pending'> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.charger(chargerId),
          UpdateExpression: 'SET registration = :active',
          ConditionExpression: 'operatorId = :op AND registration = :pending',
          ExpressionAttributeValues: { ':active': 'active', ':pending': 'pending', ':op': operatorId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'approved';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const old = err.Item as { operatorId?: { S?: string } } | undefined;
      // Another operator's charger is reported as missing: ids of other tenants don't leak.
      return old?.operatorId?.S === operatorId ? 'not-pending' : 'not-found';
    }
  }

  async claimPrefix(claim: RegistrationPrefix): Promise<'claimed' | 'taken'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.registrationPrefix(claim.prefix), entity: 'registrationPrefix', ...claim },
          ConditionExpression: 'attribute_not_exists(pk) OR operatorId = :op',
          ExpressionAttributeValues: { ':op': claim.operatorId },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'taken';
      throw err;
    }
  }
}
