/**
 * The operator catalog in memory, with the DynamoDB adapters' semantics (dynamodb/catalog.ts,
 * tariff-store.ts, charger-settings.ts, operator-settings.ts): every key holds the operator,
 * create-only writes, lists in id order paged by an opaque cursor (the last id shown), id tags
 * case-insensitive. For unit tests of the use cases and of the operator API's routes.
 */
import {
  type Charger,
  type Group,
  type IdTag,
  type Operator,
  operatorKindOf,
  type Site,
} from '../../domain/entities.js';
import { normaliseIdTag } from '../../domain/id-tag.js';
import type { Tariff } from '../../domain/tariff.js';
import type {
  CatalogStore,
  CatalogUsage,
  ChargerChanges,
  ChargerSettings,
  GroupKind,
  OperatorChanges,
  OperatorSettingsStore,
  PutOptions,
} from '../../ports/catalog.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/paging.js';
import type { TariffCatalog } from '../../ports/tariffs.js';
import type { TransactionStatus } from '../../ports/transactions.js';

/** Items of one operator by id, read in id order after the cursor's id. */
class Shelf<T> {
  private readonly items = new Map<string, T>();

  private key(operatorId: string, id: string) {
    return `${operatorId}\u0000${id}`;
  }
  get(operatorId: string, id: string): T | undefined {
    const item = this.items.get(this.key(operatorId, id));
    return item === undefined ? undefined : structuredClone(item);
  }
  put(operatorId: string, id: string, item: T, options?: PutOptions): 'created' | 'exists' {
    const key = this.key(operatorId, id);
    if (this.items.has(key) && options?.onlyIfAbsent) return 'exists';
    this.items.set(key, structuredClone(item));
    return 'created';
  }
  delete(operatorId: string, id: string): 'deleted' | 'not-found' {
    return this.items.delete(this.key(operatorId, id)) ? 'deleted' : 'not-found';
  }
  all(operatorId: string): [string, T][] {
    const prefix = this.key(operatorId, '');
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]): [string, T] => [k.slice(prefix.length), structuredClone(v)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  page(operatorId: string, page: PageRequest, keep: (item: T) => boolean = () => true): Page<T> {
    let after: string | undefined;
    if (page.after !== undefined) {
      const decoded = Buffer.from(page.after, 'base64url').toString('utf8');
      if (!decoded.startsWith(`${operatorId}\u0000`))
        throw new InvalidCursorError('the cursor is not one this listing gave');
      after = decoded.slice(operatorId.length + 1);
    }
    const rest = this.all(operatorId).filter(([id]) => after === undefined || id > after);
    const slice = rest.slice(0, page.limit);
    const last = slice.at(-1);
    return {
      items: slice.map(([, v]) => v).filter(keep),
      ...(rest.length > page.limit && last
        ? { next: Buffer.from(this.key(operatorId, last[0]), 'utf8').toString('base64url') }
        : {}),
    };
  }
}

export class MemoryCatalog implements CatalogStore {
  readonly sitesShelf = new Shelf<Site>();
  readonly groupsShelf = new Shelf<Group>();
  readonly tagsShelf = new Shelf<IdTag>();
  /** The chargers `usage` counts; a test puts the ones it needs. */
  readonly chargers = new Map<string, Charger>();

  async putSite(site: Site, options?: PutOptions) {
    this.sitesShelf.put(site.operatorId, site.siteId, site, options);
  }
  async putGroup(group: Group, options?: PutOptions) {
    this.groupsShelf.put(group.operatorId, group.groupId, group, options);
  }
  async putIdTag(tag: IdTag, options?: PutOptions) {
    this.tagsShelf.put(tag.operatorId, normaliseIdTag(tag.idTag), tag, options);
  }
  async createSite(site: Site) {
    return this.sitesShelf.put(site.operatorId, site.siteId, site, { onlyIfAbsent: true });
  }
  async createGroup(group: Group) {
    return this.groupsShelf.put(group.operatorId, group.groupId, group, { onlyIfAbsent: true });
  }
  async createIdTag(tag: IdTag) {
    return this.tagsShelf.put(tag.operatorId, normaliseIdTag(tag.idTag), tag, { onlyIfAbsent: true });
  }
  async site(operatorId: string, siteId: string) {
    return this.sitesShelf.get(operatorId, siteId);
  }
  async group(operatorId: string, groupId: string) {
    return this.groupsShelf.get(operatorId, groupId);
  }
  async idTag(operatorId: string, idTag: string) {
    return this.tagsShelf.get(operatorId, normaliseIdTag(idTag));
  }
  async sites(operatorId: string, page: PageRequest) {
    return this.sitesShelf.page(operatorId, page);
  }
  async groups(operatorId: string, kind: GroupKind, page: PageRequest) {
    return this.groupsShelf.page(operatorId, page, (g) => (g.kind ?? 'group') === kind);
  }
  async idTags(operatorId: string, page: PageRequest, filter?: { groupId?: string }) {
    return this.tagsShelf.page(
      operatorId,
      page,
      (t) => filter?.groupId === undefined || t.groupId === filter.groupId,
    );
  }
  async deleteSite(operatorId: string, siteId: string) {
    return this.sitesShelf.delete(operatorId, siteId);
  }
  async deleteGroup(operatorId: string, groupId: string) {
    return this.groupsShelf.delete(operatorId, groupId);
  }
  async deleteIdTag(operatorId: string, idTag: string) {
    return this.tagsShelf.delete(operatorId, normaliseIdTag(idTag));
  }
  async usage(
    operatorId: string,
    ref: { siteId: string } | { tariffId: string } | { groupId: string },
  ): Promise<CatalogUsage> {
    const chargers = [...this.chargers.values()].filter((c) => c.operatorId === operatorId);
    const count = <T>(items: T[], hit: (item: T) => boolean) => items.filter(hit).length;
    if ('siteId' in ref)
      return { chargers: count(chargers, (c) => c.siteId === ref.siteId), sites: 0, groups: 0, idTags: 0 };
    if ('tariffId' in ref)
      return {
        chargers: count(chargers, (c) => c.tariffId === ref.tariffId),
        sites: count(this.sitesShelf.all(operatorId), ([, s]) => s.tariffId === ref.tariffId),
        groups: count(this.groupsShelf.all(operatorId), ([, g]) => g.tariffId === ref.tariffId),
        idTags: 0,
      };
    return {
      chargers: count(chargers, (c) => (c.groupIds ?? []).includes(ref.groupId)),
      sites: 0,
      groups: 0,
      idTags: count(this.tagsShelf.all(operatorId), ([, t]) => t.groupId === ref.groupId),
    };
  }
}

export class MemoryTariffs implements TariffCatalog {
  private readonly shelf = new Shelf<Tariff>();

  async put(tariff: Tariff, options?: PutOptions) {
    this.shelf.put(tariff.operatorId, tariff.id, tariff, options);
  }
  async create(tariff: Tariff) {
    return this.shelf.put(tariff.operatorId, tariff.id, tariff, { onlyIfAbsent: true });
  }
  async get(operatorId: string, tariffId: string) {
    return this.shelf.get(operatorId, tariffId);
  }
  async list(operatorId: string, page: PageRequest) {
    return this.shelf.page(operatorId, page);
  }
  async delete(operatorId: string, tariffId: string) {
    return this.shelf.delete(operatorId, tariffId);
  }
}

/** Chargers' settings over a shared map of chargers, and their transactions' statuses by charger. */
export class MemoryChargerSettings implements ChargerSettings {
  readonly transactionStatuses = new Map<string, TransactionStatus[]>();

  constructor(readonly chargers: Map<string, Charger>) {}

  async update(operatorId: string, chargerId: string, changes: ChargerChanges) {
    const charger = this.chargers.get(chargerId);
    if (charger?.operatorId !== operatorId) return { outcome: 'not-found' as const };
    const next: Record<string, unknown> = { ...charger };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else if (v !== undefined) next[k] = v;
    }
    this.chargers.set(chargerId, next as unknown as Charger);
    const { passwordHash: _hidden, ...visible } = next as unknown as Charger;
    return { outcome: 'updated' as const, charger: visible };
  }
  async setPasswordHash(operatorId: string, chargerId: string, passwordHash: string) {
    const charger = this.chargers.get(chargerId);
    if (charger?.operatorId !== operatorId) return 'not-found' as const;
    this.chargers.set(chargerId, { ...charger, passwordHash });
    return 'updated' as const;
  }
  async delete(operatorId: string, chargerId: string) {
    if (this.chargers.get(chargerId)?.operatorId !== operatorId) return 'not-found' as const;
    this.chargers.delete(chargerId);
    return 'deleted' as const;
  }
  async hasOpenTransaction(chargerId: string) {
    return (this.transactionStatuses.get(chargerId) ?? []).some((s) => s !== 'final');
  }
}

export class MemoryOperatorSettings implements OperatorSettingsStore {
  constructor(readonly operators: Map<string, Operator>) {}

  async update(operatorId: string, changes: OperatorChanges) {
    const operator = this.operators.get(operatorId);
    if (!operator) return undefined;
    const next: Record<string, unknown> = { ...operator };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else if (v !== undefined) next[k] = v;
    }
    this.operators.set(operatorId, next as unknown as Operator);
    return { ...(next as unknown as Operator), kind: operatorKindOf(next as unknown as Operator) };
  }
}
