/**
 * The operator's catalog in its partition (keys.ts: `OP#<operatorId>` with `SITE#`, `GROUP#`,
 * `IDTAG#` sort keys): upserts for the seed and the PUT routes, and the create/read/list/delete of
 * the operator API. Every key is built from the caller's operator, so another operator's id names
 * an item that is not there. Lists are prefix queries of that one partition, paged by queryPage.
 *
 * `usage` answers "is anything still pointing at this?" before a delete: chargers through gsi1
 * (the operator's chargers), sites, groups and id tags through the partition, each with a filter.
 * It reads every page (a filter may leave whole pages empty) but projects only the key, and it runs
 * on deletes only; an operator's catalog is thousands of items at most.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Group, IdTag, Site } from '../../domain/entities.js';
import type { CatalogStore, CatalogUsage, GroupKind, PutOptions } from '../../ports/catalog.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { idTagItem, toIdTag } from './charger-repository.js';
import { gsi1, type Key, keys, queries } from './keys.js';
import {
  beginsWith,
  isConditionalCheckFailed,
  putIfAbsent,
  putItem,
  queryAll,
  queryPage,
  stripKeys,
  type TableContext,
} from './support.js';

const siteItem = (site: Site) => ({ ...keys.site(site.operatorId, site.siteId), entity: 'site', ...site });
const groupItem = (group: Group) => ({
  ...keys.group(group.operatorId, group.groupId),
  // Fleets are listed for the monthly statements (app/fleets/monthly-statements.ts).
  ...(group.kind === 'fleet' ? gsi1.fleet(group.operatorId, group.groupId) : {}),
  entity: 'group',
  ...group,
});

/** The `begins_with` query of one kind of catalog item: the key of an empty id is partition + prefix. */
const prefixOf = (key: Key) => ({ pk: key.pk, skPrefix: key.sk });

export class DynamoOperatorCatalog implements CatalogStore {
  private readonly t: TableContext;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
  }

  async putSite(site: Site, options?: PutOptions): Promise<void> {
    await putItem(this.t, siteItem(site), options);
  }

  async putGroup(group: Group, options?: PutOptions): Promise<void> {
    await putItem(this.t, groupItem(group), options);
  }

  async putIdTag(tag: IdTag, options?: PutOptions): Promise<void> {
    await putItem(this.t, idTagItem(tag), options);
  }

  createSite(site: Site): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, siteItem(site));
  }

  createGroup(group: Group): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, groupItem(group));
  }

  createIdTag(tag: IdTag): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, idTagItem(tag));
  }

  async site(operatorId: string, siteId: string): Promise<Site | undefined> {
    const item = await this.get(keys.site(operatorId, siteId));
    return item ? stripKeys<Site>(item) : undefined;
  }

  async group(operatorId: string, groupId: string): Promise<Group | undefined> {
    const item = await this.get(keys.group(operatorId, groupId));
    return item ? stripKeys<Group>(item) : undefined;
  }

  async idTag(operatorId: string, idTag: string): Promise<IdTag | undefined> {
    const item = await this.get(keys.idTag(operatorId, idTag));
    return item ? toIdTag(item) : undefined;
  }

  async sites(operatorId: string, page: PageRequest): Promise<Page<Site>> {
    const out = await queryPage(this.t, prefixOf(keys.site(operatorId, '')), undefined, page);
    return { items: out.items.map((i) => stripKeys<Site>(i)), ...(out.next ? { next: out.next } : {}) };
  }

  async groups(operatorId: string, kind: GroupKind, page: PageRequest): Promise<Page<Group>> {
    // Groups stored before fleets have no kind: they are groups.
    const filter =
      kind === 'fleet'
        ? { FilterExpression: '#kind = :kind' }
        : { FilterExpression: 'attribute_not_exists(#kind) OR #kind = :kind' };
    const out = await queryPage(this.t, prefixOf(keys.group(operatorId, '')), undefined, page, {
      ...filter,
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': kind },
    });
    return { items: out.items.map((i) => stripKeys<Group>(i)), ...(out.next ? { next: out.next } : {}) };
  }

  async idTags(operatorId: string, page: PageRequest, filter?: { groupId?: string }): Promise<Page<IdTag>> {
    const out = await queryPage(
      this.t,
      prefixOf(keys.idTag(operatorId, '')),
      undefined,
      page,
      filter?.groupId === undefined
        ? {}
        : {
            FilterExpression: '#group = :group',
            ExpressionAttributeNames: { '#group': 'groupId' },
            ExpressionAttributeValues: { ':group': filter.groupId },
          },
    );
    return { items: out.items.map(toIdTag), ...(out.next ? { next: out.next } : {}) };
  }

  deleteSite(operatorId: string, siteId: string): Promise<'deleted' | 'not-found'> {
    return this.delete(keys.site(operatorId, siteId));
  }

  deleteGroup(operatorId: string, groupId: string): Promise<'deleted' | 'not-found'> {
    return this.delete(keys.group(operatorId, groupId));
  }

  deleteIdTag(operatorId: string, idTag: string): Promise<'deleted' | 'not-found'> {
    return this.delete(keys.idTag(operatorId, idTag));
  }

  async usage(
    operatorId: string,
    ref: { siteId: string } | { tariffId: string } | { groupId: string },
  ): Promise<CatalogUsage> {
    const [attribute, value] = Object.entries(ref)[0] as [string, string];
    // A charger names its groups in a list; everything else names one item in a plain attribute.
    const chargerFilter = attribute === 'groupId' ? 'contains(#groups, :v)' : '#a = :v';
    const count = async (q: { pk: string; skPrefix: string }, index: 'gsi1' | undefined, filter: string) => {
      const condition = beginsWith(q, index);
      const names: Record<string, string> = { ...condition.ExpressionAttributeNames };
      if (filter.includes('#a')) names['#a'] = attribute;
      if (filter.includes('#groups')) names['#groups'] = 'groupIds';
      const out = await queryAll(this.t, {
        ...condition,
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':v': value },
        Select: 'COUNT',
      });
      return out.count;
    };
    const none = async () => 0;
    const [chargers, sites, groups, idTags] = await Promise.all([
      count(queries.chargersOfOperator(operatorId), 'gsi1', chargerFilter),
      attribute === 'tariffId' ? count(prefixOf(keys.site(operatorId, '')), undefined, '#a = :v') : none(),
      attribute === 'tariffId' ? count(prefixOf(keys.group(operatorId, '')), undefined, '#a = :v') : none(),
      attribute === 'groupId' ? count(prefixOf(keys.idTag(operatorId, '')), undefined, '#a = :v') : none(),
    ]);
    return { chargers, sites, groups, idTags };
  }

  private async get(key: Key): Promise<Record<string, unknown> | undefined> {
    const out = await this.t.doc.send(new GetCommand({ TableName: this.t.tableName, Key: key }));
    return out.Item;
  }

  /** Deletes the item if it is there; its key holds the operator, so it is the caller's. */
  private async delete(key: Key): Promise<'deleted' | 'not-found'> {
    try {
      await this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: key,
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
