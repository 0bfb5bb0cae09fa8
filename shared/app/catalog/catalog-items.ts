/**
 * The operator's sites, groups, fleets and id tags through the designed API: create (refused when
 * the id is taken), read, list, change (only the fields given; `null` clears an optional one) and
 * delete (refused while something still points at the item). The operator always comes from the
 * request's scope; an id of another operator is simply not found.
 *
 * Fleets are groups of kind `fleet` (entities.ts Group): like a closed group they are a price group
 * that tags name in `groupId`, and the access rules already tell the two apart by the tag's kind
 * (`member` or `fleet`, domain/access-rules.ts), so a second record type would hold nothing new.
 * A fleet's cards are its id tags of kind `fleet`.
 *
 * Deleting never touches sessions: a transaction keeps the tariff snapshot and ids it started with.
 */
import * as z from 'zod';
import type { Group, IdTag, Site } from '../../domain/entities.js';
import type { CatalogStore, CatalogUsage, GroupKind } from '../../ports/catalog.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import type { TariffCatalog } from '../../ports/tariffs.js';
import { GroupSchema, IdTagSchema, refParam, SiteSchema } from './manage-catalog.js';

export interface CatalogItemsDeps {
  catalogStore: CatalogStore;
  tariffCatalog: TariffCatalog;
}

/** What a create or change answers besides the item. */
export type Written<T> =
  | { outcome: 'ok'; item: T }
  | { outcome: 'not-found' }
  | { outcome: 'exists' }
  /** A referenced site, tariff or group is not the operator's. */
  | { outcome: 'unknown-reference'; message: string };

export type Deleted<T> =
  | { outcome: 'deleted'; item: T }
  | { outcome: 'not-found' }
  | { outcome: 'in-use'; message: string };

// ---- shapes of the requests ---------------------------------------------------------------------

export const CreateSiteSchema = SiteSchema.extend({ siteId: refParam });
export const UpdateSiteSchema = z.strictObject({
  name: SiteSchema.shape.name.optional(),
  address: z.string().max(300).nullable().optional(),
  timeZone: SiteSchema.shape.timeZone.optional(),
  tariffId: refParam.nullable().optional(),
});

export const CreateGroupSchema = GroupSchema.extend({ groupId: refParam });
export const UpdateGroupSchema = z.strictObject({
  name: GroupSchema.shape.name.optional(),
  tariffId: refParam.nullable().optional(),
});

export const CreateIdTagSchema = IdTagSchema.extend({
  idTag: z.string().min(1).max(20, 'an OCPP 1.6 id tag has at most 20 characters'),
});
export const UpdateIdTagSchema = z.strictObject({
  kind: IdTagSchema.shape.kind.optional(),
  groupId: refParam.nullable().optional(),
  blocked: z.boolean().optional(),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'expiresAt must be an ISO 8601 date-time' })
    .nullable()
    .optional(),
  label: z.string().max(120).nullable().optional(),
});

/** A fleet card: an id tag of kind `fleet` under the fleet; the path names the fleet. */
export const CreateCardSchema = CreateIdTagSchema.omit({ kind: true, groupId: true });

/** Applies a change: a field given as null is removed, one left out is kept. */
function merged<T extends object>(current: T, changes: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as T;
}

const describeUsage = (what: string, usage: CatalogUsage): string | undefined => {
  const parts = [
    usage.chargers && `${usage.chargers} charger(s)`,
    usage.sites && `${usage.sites} site(s)`,
    usage.groups && `${usage.groups} group(s) or fleet(s)`,
    usage.idTags && `${usage.idTags} id tag(s)`,
  ].filter(Boolean);
  return parts.length ? `${what} is in use by ${parts.join(', ')}` : undefined;
};

async function checkTariff(deps: CatalogItemsDeps, operatorId: string, tariffId: string | null | undefined) {
  if (!tariffId) return undefined;
  return (await deps.tariffCatalog.get(operatorId, tariffId)) ? undefined : `tariff ${tariffId} not found`;
}

// ---- sites ----------------------------------------------------------------------------------------

export async function createSite(
  deps: CatalogItemsDeps,
  operatorId: string,
  input: z.infer<typeof CreateSiteSchema>,
): Promise<Written<Site>> {
  const problem = await checkTariff(deps, operatorId, input.tariffId);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const site: Site = { ...input, operatorId };
  return (await deps.catalogStore.createSite(site)) === 'created'
    ? { outcome: 'ok', item: site }
    : { outcome: 'exists' };
}

export async function updateSite(
  deps: CatalogItemsDeps,
  operatorId: string,
  siteId: string,
  changes: z.infer<typeof UpdateSiteSchema>,
): Promise<Written<Site>> {
  const current = await deps.catalogStore.site(operatorId, siteId);
  if (!current) return { outcome: 'not-found' };
  const problem = await checkTariff(deps, operatorId, changes.tariffId);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const site = merged(current, changes);
  await deps.catalogStore.putSite(site);
  return { outcome: 'ok', item: site };
}

export async function deleteSite(
  deps: CatalogItemsDeps,
  operatorId: string,
  siteId: string,
): Promise<Deleted<Site>> {
  const current = await deps.catalogStore.site(operatorId, siteId);
  if (!current) return { outcome: 'not-found' };
  const inUse = describeUsage(`site ${siteId}`, await deps.catalogStore.usage(operatorId, { siteId }));
  if (inUse) return { outcome: 'in-use', message: `${inUse}: move them to another site first` };
  return (await deps.catalogStore.deleteSite(operatorId, siteId)) === 'deleted'
    ? { outcome: 'deleted', item: current }
    : { outcome: 'not-found' };
}

// ---- groups and fleets ----------------------------------------------------------------------------

const kindOf = (group: Group): GroupKind => group.kind ?? 'group';

/** The operator's group (or fleet) of this kind; one of the other kind reads as missing. */
export async function groupOfKind(
  deps: CatalogItemsDeps,
  operatorId: string,
  groupId: string,
  kind: GroupKind,
): Promise<Group | undefined> {
  const group = await deps.catalogStore.group(operatorId, groupId);
  return group && kindOf(group) === kind ? group : undefined;
}

export async function createGroup(
  deps: CatalogItemsDeps,
  operatorId: string,
  kind: GroupKind,
  input: z.infer<typeof CreateGroupSchema>,
): Promise<Written<Group>> {
  const problem = await checkTariff(deps, operatorId, input.tariffId);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const group: Group = { ...input, operatorId, ...(kind === 'fleet' ? { kind } : {}) };
  return (await deps.catalogStore.createGroup(group)) === 'created'
    ? { outcome: 'ok', item: group }
    : { outcome: 'exists' };
}

export async function updateGroup(
  deps: CatalogItemsDeps,
  operatorId: string,
  kind: GroupKind,
  groupId: string,
  changes: z.infer<typeof UpdateGroupSchema>,
): Promise<Written<Group>> {
  const current = await groupOfKind(deps, operatorId, groupId, kind);
  if (!current) return { outcome: 'not-found' };
  const problem = await checkTariff(deps, operatorId, changes.tariffId);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const group = merged(current, changes);
  await deps.catalogStore.putGroup(group);
  return { outcome: 'ok', item: group };
}

export async function deleteGroup(
  deps: CatalogItemsDeps,
  operatorId: string,
  kind: GroupKind,
  groupId: string,
): Promise<Deleted<Group>> {
  const current = await groupOfKind(deps, operatorId, groupId, kind);
  if (!current) return { outcome: 'not-found' };
  // Its tags would turn into strangers and its chargers would admit nobody: say so instead.
  const inUse = describeUsage(`${kind} ${groupId}`, await deps.catalogStore.usage(operatorId, { groupId }));
  if (inUse) return { outcome: 'in-use', message: `${inUse}: remove or move them first` };
  return (await deps.catalogStore.deleteGroup(operatorId, groupId)) === 'deleted'
    ? { outcome: 'deleted', item: current }
    : { outcome: 'not-found' };
}

export function listGroups(
  deps: CatalogItemsDeps,
  operatorId: string,
  kind: GroupKind,
  page: PageRequest,
): Promise<Page<Group>> {
  return deps.catalogStore.groups(operatorId, kind, page);
}

// ---- id tags and fleet cards ------------------------------------------------------------------------

async function checkGroup(deps: CatalogItemsDeps, operatorId: string, tag: Pick<IdTag, 'groupId' | 'kind'>) {
  if (!tag.groupId) return undefined;
  const group = await deps.catalogStore.group(operatorId, tag.groupId);
  if (!group) return `group ${tag.groupId} not found`;
  // A fleet card names its fleet (or, as before fleets existed, a price group); a member's tag its
  // closed group: a member of a fleet would be admitted nowhere.
  if (tag.kind !== 'fleet' && kindOf(group) === 'fleet')
    return `${tag.groupId} is a fleet: its cards are id tags of kind fleet`;
  return undefined;
}

export async function createIdTag(
  deps: CatalogItemsDeps,
  operatorId: string,
  input: z.infer<typeof CreateIdTagSchema>,
): Promise<Written<IdTag>> {
  const problem = await checkGroup(deps, operatorId, input);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  const tag: IdTag = { ...input, operatorId };
  return (await deps.catalogStore.createIdTag(tag)) === 'created'
    ? { outcome: 'ok', item: tag }
    : { outcome: 'exists' };
}

export async function updateIdTag(
  deps: CatalogItemsDeps,
  operatorId: string,
  idTag: string,
  changes: z.infer<typeof UpdateIdTagSchema>,
): Promise<Written<IdTag>> {
  const current = await deps.catalogStore.idTag(operatorId, idTag);
  if (!current) return { outcome: 'not-found' };
  const tag = merged(current, changes);
  const problem = await checkGroup(deps, operatorId, tag);
  if (problem) return { outcome: 'unknown-reference', message: problem };
  await deps.catalogStore.putIdTag(tag);
  return { outcome: 'ok', item: tag };
}

export async function deleteIdTag(
  deps: CatalogItemsDeps,
  operatorId: string,
  idTag: string,
): Promise<Deleted<IdTag>> {
  const current = await deps.catalogStore.idTag(operatorId, idTag);
  if (!current) return { outcome: 'not-found' };
  return (await deps.catalogStore.deleteIdTag(operatorId, idTag)) === 'deleted'
    ? { outcome: 'deleted', item: current }
    : { outcome: 'not-found' };
}
