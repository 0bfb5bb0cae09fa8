import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Tariff } from '../../domain/tariff.js';
import type { TariffStore } from '../../ports/tariffs.js';
import { keys } from './keys.js';

export class DynamoTariffStore implements TariffStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(tariff: Tariff): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.tariff(tariff.operatorId, tariff.id), entity: 'tariff', ...tariff },
      }),
    );
  }
}
