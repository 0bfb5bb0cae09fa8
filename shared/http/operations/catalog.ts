/**
 * The catalog part of the operator API: operator settings; sites; chargers' settings, credentials,
 * removal and connectors; tariffs and their preview; groups; fleets and their cards; id tags.
 *
 * Each resource has the same verbs: a paged list, POST to create (409 when the id is taken), GET
 * one, PATCH (only the fields given; `null` clears an optional one), DELETE (409 while something
 * still points at it; the answer is the deleted item). An id of another operator reads as missing
 * (404), checked before anything about the body is said. The older PUT upserts stay as they were
 * (operator-api.ts).
 *
 * Use cases answer outcomes (app/catalog/, app/tariffs/); the mapping to statuses is here, once.
 */
import * as z from 'zod';
import {
  type CatalogItemsDeps,
  CreateCardSchema,
  CreateGroupSchema,
  CreateIdTagSchema,
  CreateSiteSchema,
  createGroup,
  createIdTag,
  createSite,
  type Deleted,
  deleteGroup,
  deleteIdTag,
  deleteSite,
  groupOfKind,
  listGroups,
  UpdateGroupSchema,
  UpdateIdTagSchema,
  UpdateSiteSchema,
  updateGroup,
  updateIdTag,
  updateSite,
  type Written,
} from '../../app/catalog/catalog-items.js';
import {
  type ChargerSettingsDeps,
  deleteCharger,
  newChargerPassword,
  resetChargerPassword,
  UpdateChargerSchema,
  updateCharger,
} from '../../app/catalog/charger-settings.js';
import { idTagParam, refParam } from '../../app/catalog/manage-catalog.js';
import {
  type OperatorSettingsDeps,
  UpdateOperatorSchema,
  updateOperatorSettings,
} from '../../app/catalog/operator-settings.js';
import type { ManageChargersDeps } from '../../app/chargers/manage-chargers.js';
import { RegisterChargerSchema, registerCharger } from '../../app/chargers/manage-chargers.js';
import {
  billingAfter,
  billingProblem,
  type FleetBilling,
  type FleetBillingChanges,
  fleetBillingChanges,
  fleetBillingFields,
} from '../../app/fleets/fleet-settings.js';
import {
  createTariff,
  deleteTariff,
  type ManageTariffsDeps,
  previewCharge,
  SampleSessionSchema,
  updateTariff,
} from '../../app/tariffs/manage-tariffs.js';
import type { Group } from '../../domain/entities.js';
import { parseTariff } from '../../domain/tariff.js';
import { badRequest, conflict, found, notFound } from '../../lambda/http-errors.js';
import type { GroupKind } from '../../ports/catalog.js';
import type { OperatorViews } from '../../ports/operator-views.js';
import { InvalidCursorError } from '../../ports/paging.js';
import { defineOperation, LIST_ERRORS, type Operation, PageQuery, pageOf } from '../openapi/registry.js';
import {
  ChargerShape,
  chargerOut,
  GroupShape,
  IdTagShape,
  idTagOut,
  OperatorShape,
  operatorOut,
  SiteShape,
  siteOut,
  TariffShape,
} from '../openapi/resources.js';
import {
  ChargerCredentialsShape,
  ConnectorEntryShape,
  FleetShape,
  fleetOut,
  plainGroupOut,
  TariffPreviewShape,
  tariffPreviewOut,
} from '../openapi/resources-catalog.js';
import type { OperatorApiDeps } from '../operator-api.js';
import { json } from '../responses.js';

/** What the catalog operations need, as OperatorApiDeps holds it. */
export type CatalogDeps = CatalogItemsDeps &
  ChargerSettingsDeps &
  OperatorSettingsDeps &
  ManageTariffsDeps &
  ManageChargersDeps & {
    publicBaseUrl: string;
    /** The OCPP-J URL chargers connect to (config OCPP_PUBLIC_URL); absent: derived from publicBaseUrl. */
    ocppBaseUrl?: string;
  };

const chargerIdParam = z.string().min(1).max(64);
const ChargerPath = z.strictObject({ chargerId: chargerIdParam });
const SitePath = z.strictObject({ siteId: refParam });
const TariffPath = z.strictObject({ tariffId: refParam });
const GroupPath = z.strictObject({ groupId: refParam });
const FleetPath = z.strictObject({ fleetId: refParam });
const IdTagPath = z.strictObject({ idTag: idTagParam });

const BODY_ERRORS = ['invalid_body', 'body_missing', 'body_not_json'] as const;
const CREATE_ERRORS = { 400: [...BODY_ERRORS, 'invalid_reference'], 409: ['conflict'] } as const;
const UPDATE_ERRORS = {
  400: ['invalid_parameter', ...BODY_ERRORS, 'invalid_reference'],
  404: ['not_found'],
} as const;
const GET_ERRORS = { 400: ['invalid_parameter'], 404: ['not_found'] } as const;
const DELETE_ERRORS = { 400: ['invalid_parameter'], 404: ['not_found'], 409: ['in_use'] } as const;

const created = (body: unknown) => json(body, 201);

/** The item of a create or change, or the error its outcome means. */
function written<T>(result: Written<T>, what: string): T {
  switch (result.outcome) {
    case 'ok':
      return result.item;
    case 'not-found':
      throw notFound(`${what} not found`);
    case 'exists':
      throw conflict(`${what} already exists`);
    case 'unknown-reference':
      throw badRequest(result.message, 'invalid_reference');
  }
}

function deleted<T>(result: Deleted<T>, what: string): T {
  switch (result.outcome) {
    case 'deleted':
      return result.item;
    case 'not-found':
      throw notFound(`${what} not found`);
    case 'in-use':
      throw conflict(result.message, 'in_use');
  }
}

/** The caller's charger, or 404: another operator's charger reads as missing. */
export async function ownCharger(
  views: Pick<OperatorViews, 'charger'>,
  operatorId: string,
  chargerId: string,
) {
  const view = await views.charger(chargerId);
  return found(view?.charger.operatorId === operatorId ? view : undefined, `charger ${chargerId}`);
}

const pageRequest = (query: { limit: number; cursor?: string | undefined }) => ({
  limit: query.limit,
  ...(query.cursor ? { after: query.cursor } : {}),
});

/** Where the charger connects: `<OCPP URL>/<chargerId>`, the id percent-encoded as a path segment. */
export function ocppUrlOf(
  deps: Pick<CatalogDeps, 'ocppBaseUrl' | 'publicBaseUrl'>,
  chargerId: string,
): string {
  let base = deps.ocppBaseUrl;
  if (!base) {
    // In AWS, CloudFront serves the WebSocket API at /ocpp beside the pages (ARCHITECTURE.md).
    const url = new URL(deps.publicBaseUrl);
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    url.pathname = '/ocpp';
    base = url.toString();
  }
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(chargerId)}`;
}

const credentialsOf = (deps: CatalogDeps, chargerId: string, password: string) => ({
  ocppUrl: ocppUrlOf(deps, chargerId),
  username: chargerId,
  password,
});

export function catalogOperations(getDeps: () => OperatorApiDeps): Operation[] {
  return [
    ...settingsOperations(getDeps),
    ...siteOperations(getDeps),
    ...chargerOperations(getDeps),
    ...tariffOperations(getDeps),
    ...groupOperations(getDeps, 'group'),
    ...groupOperations(getDeps, 'fleet'),
    ...idTagOperations(getDeps),
  ];
}

function settingsOperations(getDeps: () => CatalogDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'updateOperator',
      method: 'PATCH',
      path: '/api/v1/operator',
      summary: "Changes the operator's settings and branding",
      description:
        'Only the fields given change. `flagsOn` and `flagsOff` switch single flags, leaving the others as they are; ' +
        '`flags`, the full set of switches, replaces them all; `branding` replaces the branding. ' +
        'The currency changes only while the operator has no session (409 `currency_locked`).',
      tag: 'Operator',
      body: UpdateOperatorSchema,
      responses: {
        200: { description: 'The operator.', schema: z.strictObject({ operator: OperatorShape }) },
      },
      errors: { 400: [...BODY_ERRORS], 404: ['not_found'], 409: ['currency_locked'] },
      handler: async ({ operatorId, body }) => {
        const result = await updateOperatorSettings(getDeps(), operatorId, body);
        switch (result.outcome) {
          case 'ok':
            return json({ operator: operatorOut(result.operator) });
          case 'not-found':
            throw notFound(`operator ${operatorId} not found`);
          case 'currency-locked':
            throw conflict(result.message, 'currency_locked');
          case 'invalid':
            throw badRequest(result.message, 'invalid_body');
        }
      },
    }),
  ];
}

function siteOperations(getDeps: () => CatalogDeps): Operation[] {
  const SiteAnswer = z.strictObject({ site: SiteShape });
  return [
    defineOperation({
      operationId: 'listSites',
      method: 'GET',
      path: '/api/v1/sites',
      summary: "The operator's sites, by site id",
      tag: 'Sites',
      query: PageQuery,
      responses: { 200: { description: 'One page of sites.', schema: pageOf(SiteShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const page = await getDeps().catalogStore.sites(operatorId, pageRequest(query));
        return json({ items: page.items.map(siteOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'createSite',
      method: 'POST',
      path: '/api/v1/sites',
      summary: 'Creates a site',
      tag: 'Sites',
      body: CreateSiteSchema,
      responses: { 201: { description: 'The site.', schema: SiteAnswer } },
      errors: CREATE_ERRORS,
      handler: async ({ operatorId, body }) =>
        created({
          site: siteOut(written(await createSite(getDeps(), operatorId, body), `site ${body.siteId}`)),
        }),
    }),
    defineOperation({
      operationId: 'getSite',
      method: 'GET',
      path: '/api/v1/sites/{siteId}',
      summary: 'One site',
      tag: 'Sites',
      params: SitePath,
      responses: { 200: { description: 'The site.', schema: SiteAnswer } },
      errors: GET_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { siteId } }) => {
        const site = found(await getDeps().catalogStore.site(operatorId, siteId), `site ${siteId}`);
        return json({ site: siteOut(site) });
      },
    }),
    defineOperation({
      operationId: 'updateSite',
      method: 'PATCH',
      path: '/api/v1/sites/{siteId}',
      summary: 'Changes a site',
      tag: 'Sites',
      params: SitePath,
      body: UpdateSiteSchema,
      responses: { 200: { description: 'The site.', schema: SiteAnswer } },
      errors: UPDATE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { siteId }, body }) =>
        json({
          site: siteOut(written(await updateSite(getDeps(), operatorId, siteId, body), `site ${siteId}`)),
        }),
    }),
    defineOperation({
      operationId: 'deleteSite',
      method: 'DELETE',
      path: '/api/v1/sites/{siteId}',
      summary: 'Deletes a site no charger uses',
      tag: 'Sites',
      params: SitePath,
      responses: { 200: { description: 'The deleted site.', schema: SiteAnswer } },
      errors: DELETE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { siteId } }) =>
        json({ site: siteOut(deleted(await deleteSite(getDeps(), operatorId, siteId), `site ${siteId}`)) }),
    }),
  ];
}

/** Registration's body, with the password optional: the platform makes one when none is given. */
const RegisterChargerBody = RegisterChargerSchema.extend({
  password: RegisterChargerSchema.shape.password
    .optional()
    .describe('16–40 characters; left out, the platform makes one (see `credentials`).'),
});

/** A connector's `Unknown` status before any StatusNotification; ids 1..connectorCount. */
function connectorEntries(view: NonNullable<Awaited<ReturnType<CatalogDeps['views']['charger']>>>) {
  const count = view.charger.connectorCount ?? 1;
  const byId = new Map(view.connectors.map((c) => [c.connectorId, c]));
  const base = `/api/v1/chargers/${encodeURIComponent(view.charger.chargerId)}/connectors`;
  return Array.from({ length: count }, (_, i) => {
    const connectorId = i + 1;
    const status = byId.get(connectorId);
    const updatedAt = status?.timestamp ? new Date(Date.parse(status.timestamp)) : undefined;
    return {
      connectorId,
      status: status?.status ?? 'Unknown',
      ...(status?.errorCode ? { errorCode: status.errorCode } : {}),
      ...(updatedAt && Number.isFinite(updatedAt.getTime()) ? { updatedAt: updatedAt.toISOString() } : {}),
      qr: { svg: `${base}/${connectorId}/qr.svg`, png: `${base}/${connectorId}/qr.png` },
    };
  });
}

/** Connector ids as a page: the cursor is the last id shown (a charger has at most 32). */
function connectorPage<T extends { connectorId: number }>(all: T[], limit: number, cursor?: string) {
  let after = 0;
  if (cursor !== undefined) {
    after = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(after) || after < 1)
      throw new InvalidCursorError('the cursor is not one this listing gave');
  }
  const rest = all.filter((c) => c.connectorId > after);
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rest.length > limit && last
        ? Buffer.from(String(last.connectorId), 'utf8').toString('base64url')
        : null,
  };
}

function chargerOperations(getDeps: () => CatalogDeps): Operation[] {
  const ChargerAnswer = z.strictObject({ charger: ChargerShape });
  return [
    defineOperation({
      operationId: 'registerCharger',
      method: 'POST',
      path: '/api/v1/chargers',
      summary: 'Registers a charger; the answer holds its connection URL and credentials, once',
      description:
        'Without `password` the platform makes one. Either way `credentials` is the only time the password ' +
        'is shown: reset it (`resetChargerPassword`) if it is lost.',
      tag: 'Chargers',
      body: RegisterChargerBody,
      responses: {
        201: {
          description: 'The charger, and what to configure on it.',
          schema: z.strictObject({ charger: ChargerShape, credentials: ChargerCredentialsShape }),
        },
      },
      errors: { 400: [...BODY_ERRORS], 409: ['conflict'] },
      handler: async ({ operatorId, body }) => {
        const deps = getDeps();
        const password = body.password ?? newChargerPassword();
        const charger = await registerCharger(deps, operatorId, { ...body, password });
        return created({
          charger: chargerOut(charger),
          credentials: credentialsOf(deps, charger.chargerId, password),
        });
      },
    }),
    defineOperation({
      operationId: 'updateCharger',
      method: 'PATCH',
      path: '/api/v1/chargers/{chargerId}',
      summary:
        "Changes a charger's site, tariff, payment, access mode, groups, owner tags or connector count",
      tag: 'Chargers',
      params: ChargerPath,
      body: UpdateChargerSchema,
      responses: { 200: { description: 'The charger.', schema: ChargerAnswer } },
      errors: UPDATE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId }, body }) => {
        const deps = getDeps();
        written(await updateCharger(deps, operatorId, chargerId, body), `charger ${chargerId}`);
        const view = await ownCharger(deps.views, operatorId, chargerId);
        return json({ charger: chargerOut(view.charger, view) });
      },
    }),
    defineOperation({
      operationId: 'deleteCharger',
      method: 'DELETE',
      path: '/api/v1/chargers/{chargerId}',
      summary: 'Removes a charger with no session still open; its past sessions stay',
      description:
        'Refused (409 `in_use`) while a session of the charger is not final. Its sessions and receipts keep ' +
        'what they recorded; the charger can no longer connect.',
      tag: 'Chargers',
      params: ChargerPath,
      responses: { 200: { description: 'The removed charger.', schema: ChargerAnswer } },
      errors: DELETE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId } }) =>
        json({
          charger: chargerOut(
            deleted(await deleteCharger(getDeps(), operatorId, chargerId), `charger ${chargerId}`),
          ),
        }),
    }),
    defineOperation({
      operationId: 'resetChargerPassword',
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/password',
      summary: 'Gives the charger a new password, shown in this answer only; the old one stops working',
      tag: 'Chargers',
      params: ChargerPath,
      responses: {
        200: {
          description: 'The new credentials.',
          schema: z.strictObject({ credentials: ChargerCredentialsShape }),
        },
      },
      errors: GET_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId } }) => {
        const deps = getDeps();
        const result = await resetChargerPassword(deps, operatorId, chargerId);
        if (result.outcome === 'not-found') throw notFound(`charger ${chargerId} not found`);
        return json({ credentials: credentialsOf(deps, chargerId, result.password) });
      },
    }),
    defineOperation({
      operationId: 'listConnectors',
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}/connectors',
      summary: "A charger's connectors with their status and QR codes",
      tag: 'Chargers',
      params: ChargerPath,
      query: PageQuery,
      responses: { 200: { description: 'One page of connectors.', schema: pageOf(ConnectorEntryShape) } },
      errors: { 400: ['invalid_parameter', 'invalid_cursor'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId }, query }) => {
        const view = await ownCharger(getDeps().views, operatorId, chargerId);
        return json(connectorPage(connectorEntries(view), query.limit, query.cursor));
      },
    }),
  ];
}

const TariffBody = z.record(z.string(), z.unknown()).meta({
  id: 'TariffCreate',
  description: 'A Tariff without operatorId (the API key gives it); `id` names it.',
});
const TariffChanges = z.record(z.string(), z.unknown()).meta({
  id: 'TariffChanges',
  description: 'Tariff fields to replace (not id or operatorId); null removes an optional one.',
});

function tariffOperations(getDeps: () => CatalogDeps): Operation[] {
  const TariffAnswer = z.strictObject({ tariff: TariffShape });
  return [
    defineOperation({
      operationId: 'listTariffs',
      method: 'GET',
      path: '/api/v1/tariffs',
      summary: "The operator's tariffs, by tariff id",
      tag: 'Tariffs',
      query: PageQuery,
      responses: { 200: { description: 'One page of tariffs.', schema: pageOf(TariffShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const page = await getDeps().tariffCatalog.list(operatorId, pageRequest(query));
        return json({ items: page.items, nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'createTariff',
      method: 'POST',
      path: '/api/v1/tariffs',
      summary: 'Creates a tariff',
      description: 'Every problem is named in one `invalid_tariff` answer.',
      tag: 'Tariffs',
      body: TariffBody,
      responses: { 201: { description: 'The tariff.', schema: TariffAnswer } },
      errors: { 400: ['invalid_tariff', 'body_missing', 'body_not_json'], 409: ['conflict'] },
      handler: async ({ operatorId, body }) => {
        const result = await createTariff(getDeps(), operatorId, body);
        if (result.outcome === 'exists') throw conflict(`tariff ${result.tariffId} already exists`);
        return created({ tariff: result.tariff });
      },
    }),
    defineOperation({
      operationId: 'updateTariff',
      method: 'PATCH',
      path: '/api/v1/tariffs/{tariffId}',
      summary: 'Changes a tariff; running sessions keep the one they started with',
      tag: 'Tariffs',
      params: TariffPath,
      body: TariffChanges,
      responses: { 200: { description: 'The tariff.', schema: TariffAnswer } },
      errors: {
        400: ['invalid_parameter', 'invalid_tariff', 'body_missing', 'body_not_json'],
        404: ['not_found'],
      },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { tariffId }, body }) => {
        const result = await updateTariff(getDeps(), operatorId, tariffId, body);
        if (result.outcome === 'not-found') throw notFound(`tariff ${tariffId} not found`);
        return json({ tariff: result.tariff });
      },
    }),
    defineOperation({
      operationId: 'deleteTariff',
      method: 'DELETE',
      path: '/api/v1/tariffs/{tariffId}',
      summary: 'Deletes a tariff no charger, site or group prices by',
      description: 'Sessions priced by it keep their own copy.',
      tag: 'Tariffs',
      params: TariffPath,
      responses: { 200: { description: 'The deleted tariff.', schema: TariffAnswer } },
      errors: DELETE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { tariffId } }) => {
        const result = await deleteTariff(getDeps(), operatorId, tariffId);
        if (result.outcome === 'not-found') throw notFound(`tariff ${tariffId} not found`);
        if (result.outcome === 'in-use') throw conflict(result.message, 'in_use');
        return json({ tariff: result.tariff });
      },
    }),
    defineOperation({
      operationId: 'previewTariff',
      method: 'POST',
      path: '/api/v1/tariff-previews',
      summary: 'Prices a sample session by a stored or an unsaved tariff, as a receipt would show it',
      description:
        'Give `tariffId` (a stored tariff) or `tariff` (one being edited, without operatorId). The sample is ' +
        'priced by the same code as real sessions.',
      tag: 'Tariffs',
      body: z
        .strictObject({
          tariffId: refParam.optional(),
          tariff: z.record(z.string(), z.unknown()).optional(),
          session: SampleSessionSchema,
        })
        .refine((b) => (b.tariffId === undefined) !== (b.tariff === undefined), {
          error: 'give exactly one of tariffId and tariff',
        }),
      responses: {
        200: { description: 'The sample receipt.', schema: z.strictObject({ preview: TariffPreviewShape }) },
      },
      errors: {
        400: ['invalid_body', 'invalid_tariff', 'body_missing', 'body_not_json'],
        404: ['not_found'],
      },
      handler: async ({ operatorId, body }) => {
        const tariff = body.tariffId
          ? await getDeps().tariffCatalog.get(operatorId, body.tariffId)
          : parseTariff({ id: 'preview', ...body.tariff, operatorId });
        return json({
          preview: tariffPreviewOut(previewCharge(found(tariff, `tariff ${body.tariffId}`), body.session)),
        });
      },
    }),
  ];
}

/** Groups and fleets: one record kind (app/catalog/catalog-items.ts), two families of routes. */
function groupOperations(getDeps: () => CatalogDeps, kind: GroupKind): Operation[] {
  const fleet = kind === 'fleet';
  const Name = fleet ? 'Fleet' : 'Group';
  const base = fleet ? '/api/v1/fleets' : '/api/v1/groups';
  const param = fleet ? 'fleetId' : 'groupId';
  const Path = fleet ? FleetPath : GroupPath;
  const Shape = fleet ? FleetShape : GroupShape;
  const out: (group: Group) => Record<string, unknown> = fleet ? fleetOut : plainGroupOut;
  const what = fleet ? 'fleet' : 'group';
  const Answer = z.strictObject({ [what]: Shape });
  const idOf = (params: Record<string, string>) => params[param] as string;
  const CreateBody = fleet
    ? CreateGroupSchema.omit({ groupId: true }).extend({ fleetId: refParam, ...fleetBillingFields })
    : CreateGroupSchema;
  const UpdateBody = fleet ? UpdateGroupSchema.extend(fleetBillingChanges) : UpdateGroupSchema;
  const tag = fleet ? 'Fleets' : 'Groups';
  const operations: Operation[] = [
    defineOperation({
      operationId: `list${Name}s`,
      method: 'GET',
      path: base,
      summary: fleet
        ? "The operator's fleets, by fleet id"
        : "The operator's closed user groups, by group id",
      tag,
      query: PageQuery,
      responses: { 200: { description: `One page of ${what}s.`, schema: pageOf(Shape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const page = await listGroups(getDeps(), operatorId, kind, pageRequest(query));
        return json({ items: page.items.map(out), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: `create${Name}`,
      method: 'POST',
      path: base,
      summary: fleet
        ? 'Creates a fleet (its cards are id tags of kind fleet)'
        : 'Creates a closed user group',
      tag,
      body: CreateBody,
      responses: { 201: { description: `The ${what}.`, schema: Answer } },
      errors: CREATE_ERRORS,
      handler: async ({ operatorId, body }) => {
        const { fleetId, groupId, ...rest } = body as { fleetId?: string; groupId?: string; name: string };
        const id = (fleetId ?? groupId) as string;
        const problem = billingProblem(rest as FleetBilling);
        if (problem) throw badRequest(problem, 'invalid_body');
        const group = written(
          await createGroup(getDeps(), operatorId, kind, { ...rest, groupId: id }),
          `${what} ${id}`,
        );
        return created({ [what]: out(group) });
      },
    }),
    defineOperation({
      operationId: `get${Name}`,
      method: 'GET',
      path: `${base}/{${param}}`,
      summary: `One ${what}`,
      tag,
      params: Path,
      responses: { 200: { description: `The ${what}.`, schema: Answer } },
      errors: GET_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params }) => {
        const id = idOf(params);
        const group = found(await groupOfKind(getDeps(), operatorId, id, kind), `${what} ${id}`);
        return json({ [what]: out(group) });
      },
    }),
    defineOperation({
      operationId: `update${Name}`,
      method: 'PATCH',
      path: `${base}/{${param}}`,
      summary: `Changes a ${what}'s name or price`,
      tag,
      params: Path,
      body: UpdateBody,
      responses: { 200: { description: `The ${what}.`, schema: Answer } },
      errors: UPDATE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params, body }) => {
        const id = idOf(params);
        if (fleet) {
          const current = await groupOfKind(getDeps(), operatorId, id, kind);
          const problem = current && billingProblem(billingAfter(current, body as FleetBillingChanges));
          if (problem) throw badRequest(problem, 'invalid_body');
        }
        const group = written(await updateGroup(getDeps(), operatorId, kind, id, body), `${what} ${id}`);
        return json({ [what]: out(group) });
      },
    }),
    defineOperation({
      operationId: `delete${Name}`,
      method: 'DELETE',
      path: `${base}/{${param}}`,
      summary: fleet
        ? 'Deletes a fleet with no cards and no charger naming it'
        : 'Deletes a group with no members and no charger naming it',
      tag,
      params: Path,
      responses: { 200: { description: `The deleted ${what}.`, schema: Answer } },
      errors: DELETE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params }) => {
        const id = idOf(params);
        const group = deleted(await deleteGroup(getDeps(), operatorId, kind, id), `${what} ${id}`);
        return json({ [what]: out(group) });
      },
    }),
  ];
  if (!fleet) return operations;
  return [
    ...operations,
    defineOperation({
      operationId: 'listFleetCards',
      method: 'GET',
      path: '/api/v1/fleets/{fleetId}/cards',
      summary: "A fleet's cards (id tags of kind fleet naming it), by id tag",
      tag,
      params: FleetPath,
      query: PageQuery,
      responses: { 200: { description: 'One page of cards.', schema: pageOf(IdTagShape) } },
      errors: { 400: ['invalid_parameter', 'invalid_cursor'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { fleetId }, query }) => {
        const deps = getDeps();
        found(await groupOfKind(deps, operatorId, fleetId, 'fleet'), `fleet ${fleetId}`);
        const page = await deps.catalogStore.idTags(operatorId, pageRequest(query), { groupId: fleetId });
        return json({ items: page.items.map(idTagOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'createFleetCard',
      method: 'POST',
      path: '/api/v1/fleets/{fleetId}/cards',
      summary: 'Issues a fleet card: an id tag of kind fleet, valid at every charger of the operator',
      tag,
      params: FleetPath,
      body: CreateCardSchema,
      responses: { 201: { description: 'The card.', schema: z.strictObject({ idTag: IdTagShape }) } },
      errors: { 400: ['invalid_parameter', ...BODY_ERRORS], 404: ['not_found'], 409: ['conflict'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { fleetId }, body }) => {
        const deps = getDeps();
        found(await groupOfKind(deps, operatorId, fleetId, 'fleet'), `fleet ${fleetId}`);
        const tag = written(
          await createIdTag(deps, operatorId, { ...body, kind: 'fleet', groupId: fleetId }),
          `id tag ${body.idTag}`,
        );
        return created({ idTag: idTagOut(tag) });
      },
    }),
  ];
}

function idTagOperations(getDeps: () => CatalogDeps): Operation[] {
  const IdTagAnswer = z.strictObject({ idTag: IdTagShape });
  return [
    defineOperation({
      operationId: 'listIdTags',
      method: 'GET',
      path: '/api/v1/id-tags',
      summary: "The operator's id tags (RFID cards, fleet cards), by id tag",
      tag: 'Id tags',
      query: PageQuery,
      responses: { 200: { description: 'One page of id tags.', schema: pageOf(IdTagShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const page = await getDeps().catalogStore.idTags(operatorId, pageRequest(query));
        return json({ items: page.items.map(idTagOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'createIdTag',
      method: 'POST',
      path: '/api/v1/id-tags',
      summary: 'Creates an id tag (owner, household, group member, fleet card)',
      tag: 'Id tags',
      body: CreateIdTagSchema,
      responses: { 201: { description: 'The id tag.', schema: IdTagAnswer } },
      errors: CREATE_ERRORS,
      handler: async ({ operatorId, body }) =>
        created({
          idTag: idTagOut(written(await createIdTag(getDeps(), operatorId, body), `id tag ${body.idTag}`)),
        }),
    }),
    defineOperation({
      operationId: 'getIdTag',
      method: 'GET',
      path: '/api/v1/id-tags/{idTag}',
      summary: 'One id tag',
      tag: 'Id tags',
      params: IdTagPath,
      responses: { 200: { description: 'The id tag.', schema: IdTagAnswer } },
      errors: GET_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { idTag } }) => {
        const tag = found(await getDeps().catalogStore.idTag(operatorId, idTag), `id tag ${idTag}`);
        return json({ idTag: idTagOut(tag) });
      },
    }),
    defineOperation({
      operationId: 'updateIdTag',
      method: 'PATCH',
      path: '/api/v1/id-tags/{idTag}',
      summary: 'Changes an id tag: block or unblock it, set or clear its expiry, its group or label',
      tag: 'Id tags',
      params: IdTagPath,
      body: UpdateIdTagSchema,
      responses: { 200: { description: 'The id tag.', schema: IdTagAnswer } },
      errors: UPDATE_ERRORS,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { idTag }, body }) =>
        json({
          idTag: idTagOut(written(await updateIdTag(getDeps(), operatorId, idTag, body), `id tag ${idTag}`)),
        }),
    }),
    defineOperation({
      operationId: 'deleteIdTag',
      method: 'DELETE',
      path: '/api/v1/id-tags/{idTag}',
      summary: 'Deletes an id tag; sessions it started keep their record',
      tag: 'Id tags',
      params: IdTagPath,
      responses: { 200: { description: 'The deleted id tag.', schema: IdTagAnswer } },
      errors: { 400: ['invalid_parameter'], 404: ['not_found'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { idTag } }) =>
        json({
          idTag: idTagOut(deleted(await deleteIdTag(getDeps(), operatorId, idTag), `id tag ${idTag}`)),
        }),
    }),
  ];
}
