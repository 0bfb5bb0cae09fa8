/**
 * Operators' tariffs in their partition (`OP#<operatorId>` / `TARIFF#<tariffId>`). A stored tariff
 * passed the tariff rules when it was written; reading one back keeps only the fields the rules
 * know (pickTariff), so storage attributes never reach a caller.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Tariff, TariffSchema } from '../../domain/tariff.js';
import type { PutOptions } from '../../ports/catalog.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { TariffCatalog } from '../../ports/tariffs.js';
import { keys } from './keys.js';
import { isConditionalCheckFailed, putIfAbsent, putItem, queryPage, type TableContext } from './support.js';

const tariffItem = (tariff: Tariff) => ({
  ...keys.tariff(tariff.operatorId, tariff.id),
  entity: 'tariff',
  ...tariff,
});

const TARIFF_FIELDS = new Set(Object.keys(TariffSchema.shape));

/** The stored tariff's own fields: what TariffSchema knows, nothing the store added. */
function toTariff(item: Record<string, unknown>): Tariff {
  return Object.fromEntries(Object.entries(item).filter(([k]) => TARIFF_FIELDS.has(k))) as unknown as Tariff;
}

export class DynamoTariffStore implements TariffCatalog {
  private readonly t: TableContext;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
  }

  async put(tariff: Tariff, options?: PutOptions): Promise<void> {
    await putItem(this.t, tariffItem(tariff), options);
  }

  create(tariff: Tariff): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, tariffItem(tariff));
  }

  async get(operatorId: string, tariffId: string): Promise<Tariff | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.tariff(operatorId, tariffId) }),
    );
    return out.Item ? toTariff(out.Item) : undefined;
  }

  async list(operatorId: string, page: PageRequest): Promise<Page<Tariff>> {
    const empty = keys.tariff(operatorId, '');
    const out = await queryPage(this.t, { pk: empty.pk, skPrefix: empty.sk }, undefined, page);
    return { items: out.items.map(toTariff), ...(out.next ? { next: out.next } : {}) };
  }

  async delete(operatorId: string, tariffId: string): Promise<'deleted' | 'not-found'> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: keys.tariff(operatorId, tariffId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return 'deleted';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-found';
      throw err;
    }
  }
}
