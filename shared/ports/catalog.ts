import type { Charger, Group, IdTag, Operator, Site } from '../domain/entities.js';
import type { Page, PageRequest } from './paging.js';

/**
 * The operator's sites, closed user groups (and fleets) and id tags (RFID cards, fleet cards).
 * Every read and write takes the caller's operator: an id of another operator reads as absent.
 */
export interface OperatorCatalog {
  putSite(site: Site, options?: PutOptions): Promise<void>;
  putGroup(group: Group, options?: PutOptions): Promise<void>;
  putIdTag(tag: IdTag, options?: PutOptions): Promise<void>;
}

/** `onlyIfAbsent`: write only when nothing is stored under the key yet (an existing record is kept as it is). */
export interface PutOptions {
  onlyIfAbsent?: boolean;
}

/** What a reference to a catalog item is held by; each count stops early, it only has to tell "some". */
export interface CatalogUsage {
  chargers: number;
  sites: number;
  groups: number;
  idTags: number;
}

/** What the operator API's full create/read/update/delete of the catalog needs beyond the upserts. */
export interface CatalogStore extends OperatorCatalog {
  createSite(site: Site): Promise<'created' | 'exists'>;
  site(operatorId: string, siteId: string): Promise<Site | undefined>;
  /** In site id order; a foreign or forged cursor throws InvalidCursorError. */
  sites(operatorId: string, page: PageRequest): Promise<Page<Site>>;
  deleteSite(operatorId: string, siteId: string): Promise<'deleted' | 'not-found'>;

  createGroup(group: Group): Promise<'created' | 'exists'>;
  group(operatorId: string, groupId: string): Promise<Group | undefined>;
  /** In group id order, of one kind (absent kind: `group`). */
  groups(operatorId: string, kind: GroupKind, page: PageRequest): Promise<Page<Group>>;
  deleteGroup(operatorId: string, groupId: string): Promise<'deleted' | 'not-found'>;

  createIdTag(tag: IdTag): Promise<'created' | 'exists'>;
  idTag(operatorId: string, idTag: string): Promise<IdTag | undefined>;
  /** In id tag order (normal form); `groupId` keeps only the tags of that group or fleet. */
  idTags(operatorId: string, page: PageRequest, filter?: { groupId?: string }): Promise<Page<IdTag>>;
  deleteIdTag(operatorId: string, idTag: string): Promise<'deleted' | 'not-found'>;

  /** Who refers to this site, tariff or group (the chargers, sites, groups and tags of the operator). */
  usage(
    operatorId: string,
    ref: { siteId: string } | { tariffId: string } | { groupId: string },
  ): Promise<CatalogUsage>;
}

export type GroupKind = 'group' | 'fleet';

/** A charger's settings the operator may change; `null` clears an optional one. */
export interface ChargerChanges {
  siteId?: string | null;
  tariffId?: string | null;
  paid?: boolean;
  accessMode?: Charger['accessMode'];
  groupIds?: string[];
  ownerIdTags?: string[];
  connectorCount?: number;
}

/** Changing and removing chargers, always under the caller's operator. */
export interface ChargerSettings {
  update(
    operatorId: string,
    chargerId: string,
    changes: ChargerChanges,
  ): Promise<{ outcome: 'updated'; charger: Omit<Charger, 'passwordHash'> } | { outcome: 'not-found' }>;
  setPasswordHash(
    operatorId: string,
    chargerId: string,
    passwordHash: string,
  ): Promise<'updated' | 'not-found'>;
  /**
   * Removes the charger and its connector statuses; its transactions, start records and id counter
   * stay (receipts and sessions keep their own snapshot, and a charger registered again under the id
   * must not reuse a transaction id).
   */
  delete(operatorId: string, chargerId: string): Promise<'deleted' | 'not-found'>;
  /** Whether one of the charger's transactions is not final yet (started, or stopped but not priced). */
  hasOpenTransaction(chargerId: string, connectorCount: number): Promise<boolean>;
}

/** Operator settings the operator may change; `null` clears an optional one. */
export interface OperatorChanges {
  name?: string;
  currency?: string;
  timeZone?: string | null;
  preAuthAmountMinor?: number;
  allowPendingChargers?: boolean;
  allowFreeUse?: boolean;
  billMembers?: boolean;
  sendDetailedInvoices?: boolean;
  branding?: Operator['branding'];
}

export interface OperatorSettingsStore {
  update(operatorId: string, changes: OperatorChanges): Promise<Operator | undefined>;
}
