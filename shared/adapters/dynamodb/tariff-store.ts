import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tariff } from '../../domain/tariff.js';
import type { PutOptions } from '../../ports/catalog.js';
import type { TariffStore } from '../../ports/tariffs.js';
import { keys } from './keys.js';
import { putItem, type TableContext } from './support.js';

export class DynamoTariffStore implements TariffStore {
  private readonly t: TableContext;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
  }

  async put(tariff: Tariff, options?: PutOptions): Promise<void> {
    await putItem(
      this.t,
      { ...keys.tariff(tariff.operatorId, tariff.id), entity: 'tariff', ...tariff },
      options,
    );
  }
}
