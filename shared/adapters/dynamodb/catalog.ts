import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Group, IdTag, Site } from '../../domain/entities.js';
import type { OperatorCatalog, PutOptions } from '../../ports/catalog.js';
import { idTagItem } from './charger-repository.js';
import { keys } from './keys.js';
import { putItem, type TableContext } from './support.js';

export class DynamoOperatorCatalog implements OperatorCatalog {
  private readonly t: TableContext;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.t = { doc: db, tableName };
  }

  async putSite(site: Site, options?: PutOptions): Promise<void> {
    await putItem(this.t, { ...keys.site(site.operatorId, site.siteId), entity: 'site', ...site }, options);
  }

  async putGroup(group: Group, options?: PutOptions): Promise<void> {
    await putItem(
      this.t,
      { ...keys.group(group.operatorId, group.groupId), entity: 'group', ...group },
      options,
    );
  }

  async putIdTag(tag: IdTag, options?: PutOptions): Promise<void> {
    await putItem(this.t, idTagItem(tag), options);
  }
}
