import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Group, IdTag, Site } from '../../domain/entities.js';
import type { OperatorCatalog } from '../../ports/catalog.js';
import { gsi1, keys } from './keys.js';

export class DynamoOperatorCatalog implements OperatorCatalog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private put(item: Record<string, unknown>): Promise<unknown> {
    return this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async putSite(site: Site): Promise<void> {
    await this.put({ ...keys.site(site.operatorId, site.siteId), entity: 'site', ...site });
  }

  async putGroup(group: Group): Promise<void> {
    await this.put({ ...keys.group(group.operatorId, group.groupId), entity: 'group', ...group });
  }

  async putIdTag(tag: IdTag): Promise<void> {
    await this.put({
      ...keys.idTag(tag.operatorId, tag.idTag),
      ...gsi1.idTag(tag.operatorId, tag.idTag),
      entity: 'idTag',
      ...tag,
    });
  }
}
