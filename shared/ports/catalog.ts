import type { Group, IdTag, Site } from '../domain/entities.js';

/** The operator's sites, closed user groups and id tags (RFID cards, fleet cards). */
export interface OperatorCatalog {
  putSite(site: Site, options?: PutOptions): Promise<void>;
  putGroup(group: Group, options?: PutOptions): Promise<void>;
  putIdTag(tag: IdTag, options?: PutOptions): Promise<void>;
}

/** `onlyIfAbsent`: write only when nothing is stored under the key yet (an existing record is kept as it is). */
export interface PutOptions {
  onlyIfAbsent?: boolean;
}
