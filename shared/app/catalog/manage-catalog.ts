/**
 * Operator use cases for sites, closed user groups and id tags. A tariff can be assigned to a site
 * or a group here (and to a charger at registration); a group's price overrides the site's for its
 * members' tags (see shared/domain/tariff.ts resolveTariff). The operator comes from the request's
 * scope, never from the body.
 */
import * as z from 'zod';
import { type Group, ID_TAG_KINDS, type IdTag, type Site } from '../../domain/entities.js';
import { isValidTimeZone } from '../../domain/local-time.js';
import type { OperatorCatalog } from '../../ports/catalog.js';

export interface ManageCatalogDeps {
  catalog: OperatorCatalog;
}

const ref = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - only, at most 64');

export const SiteSchema = z.strictObject({
  name: z.string().min(1, 'name must not be empty').max(120),
  address: z.string().max(300).optional(),
  timeZone: z.string().refine(isValidTimeZone, 'timeZone must be an IANA time zone, e.g. "Europe/London"'),
  tariffId: ref.optional(),
});

export const GroupSchema = z.strictObject({
  name: z.string().min(1, 'name must not be empty').max(120),
  tariffId: ref.optional(),
});

export const IdTagSchema = z.strictObject({
  kind: z.enum(ID_TAG_KINDS),
  groupId: ref.optional(),
  blocked: z.boolean().optional(),
  expiresAt: z.iso.datetime({ offset: true, error: 'expiresAt must be an ISO 8601 date-time' }).optional(),
  label: z.string().max(120).optional(),
});

/** OCPP 1.6 IdToken: at most 20 characters. */
export const idTagParam = z.string().min(1).max(20, 'an OCPP 1.6 id tag has at most 20 characters');
export const refParam = ref;

export async function saveSite(
  deps: ManageCatalogDeps,
  operatorId: string,
  siteId: string,
  input: z.infer<typeof SiteSchema>,
): Promise<Site> {
  const site: Site = { ...input, operatorId, siteId };
  await deps.catalog.putSite(site);
  return site;
}

export async function saveGroup(
  deps: ManageCatalogDeps,
  operatorId: string,
  groupId: string,
  input: z.infer<typeof GroupSchema>,
): Promise<Group> {
  const group: Group = { ...input, operatorId, groupId };
  await deps.catalog.putGroup(group);
  return group;
}

export async function saveIdTag(
  deps: ManageCatalogDeps,
  operatorId: string,
  idTag: string,
  input: z.infer<typeof IdTagSchema>,
): Promise<IdTag> {
  const tag: IdTag = { ...input, operatorId, idTag };
  await deps.catalog.putIdTag(tag);
  return tag;
}
