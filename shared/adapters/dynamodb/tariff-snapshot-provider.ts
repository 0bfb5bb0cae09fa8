/**
 * Default TariffSnapshotProvider: the tariff record the charger names (`tariffId`), else the one
 * its site names, read from keys.tariff and returned as a plain object without storage keys. The
 * pricing engineer may replace it (e.g. group tariffs by id tag) behind the same port.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TariffSnapshotInput, TariffSnapshotProvider } from '../../ports/tariff-snapshot.js';
import { keys } from './keys.js';
import { stripKeys, type TableContext } from './support.js';

export class DynamoTariffSnapshotProvider implements TariffSnapshotProvider {
  constructor(private readonly t: TableContext) {}

  async snapshotFor(input: TariffSnapshotInput): Promise<unknown | undefined> {
    const charger = await this.item(keys.charger(input.chargerId));
    let tariffId = typeof charger?.tariffId === 'string' ? charger.tariffId : undefined;
    const siteId = input.siteId ?? (typeof charger?.siteId === 'string' ? charger.siteId : undefined);
    if (!tariffId && siteId) {
      const site = await this.item(keys.site(input.operatorId, siteId));
      if (typeof site?.tariffId === 'string') tariffId = site.tariffId;
    }
    if (!tariffId) return undefined;
    const tariff = await this.item(keys.tariff(input.operatorId, tariffId));
    return tariff ? stripKeys<Record<string, unknown>>(tariff) : undefined;
  }

  private async item(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.t.doc.send(new GetCommand({ TableName: this.t.tableName, Key: key }));
    return out.Item;
  }
}
