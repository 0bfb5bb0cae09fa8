import type { Group, IdTag, Site } from '../domain/entities.js';

/** The operator's sites, closed user groups and id tags (RFID cards, fleet cards). */
export interface OperatorCatalog {
  putSite(site: Site): Promise<void>;
  putGroup(group: Group): Promise<void>;
  putIdTag(tag: IdTag): Promise<void>;
}
