/**
 * The operator API (`/api/v1`): bearer API key → operator (operator-auth.ts, once per request);
 * every read and write is scoped to that operator, and another operator's resource is reported as
 * missing, never as forbidden. Each operation is one registry entry (openapi/registry.ts): its
 * shapes validate the request, type the handler and make the OpenAPI document (openapi/document.ts),
 * so the contract published at `/api/v1/openapi.json` is the code. Answers are the public shapes of
 * openapi/resources.ts, never storage items. Errors are mapped to statuses in one table
 * (shared/lambda/http-errors.ts).
 */
import type { Route } from '@middy/http-router';
import * as z from 'zod';
import {
  GroupSchema,
  IdTagSchema,
  idTagParam,
  type ManageCatalogDeps,
  refParam,
  SiteSchema,
  saveGroup,
  saveIdTag,
  saveSite,
} from '../app/catalog/manage-catalog.js';
import {
  approveCharger,
  claimRegistrationPrefix,
  type ManageChargersDeps,
} from '../app/chargers/manage-chargers.js';
import {
  awaitCommandResult,
  type CommandDeps,
  type CommandResult,
  decodeCallId,
  sendCommand,
} from '../app/ocpp/commands.js';
import {
  type ApiKeyDeps,
  ApiKeyListShape,
  CreateApiKeyBody,
  IssuedApiKeyShape,
  issueApiKey,
  keyIdParam,
  listApiKeys,
  RotateApiKeyBody,
  RotatedApiKeyShape,
  revokeApiKey,
  rotateApiKey,
} from '../app/operators/api-keys.js';
import { type SaveTariffDeps, saveTariff } from '../app/tariffs/save-tariff.js';
import type { InvitationDeps } from '../app/users/invitations.js';
import { TariffSchema } from '../domain/tariff.js';
import { conflict, notFound } from '../lambda/http-errors.js';
import type { CommandAction } from '../ocpp/v16/types.js';
import type { CatalogStore, ChargerSettings, OperatorSettingsStore } from '../ports/catalog.js';

import type { MemberStore } from '../ports/members.js';
import type { OperatorViews } from '../ports/operator-views.js';
import { InvalidCursorError } from '../ports/paging.js';
import type { TariffCatalog } from '../ports/tariffs.js';
import { connectorQr, type QrFormat } from '../web/qr.js';
import { authRoutes } from './auth-routes.js';
import { docsRoutes } from './openapi/docs.js';
import {
  defineOperation,
  LIST_ERRORS,
  type Operation,
  PageQuery,
  pageOf,
  routeOf,
} from './openapi/registry.js';
import {
  ApiKeyShape,
  ChargerShape,
  chargerViewOut,
  GroupShape,
  groupOut,
  IdTagShape,
  idTagOut,
  OperatorShape,
  operatorOut,
  SiteShape,
  siteOut,
  TariffShape,
  TransactionDetailShape,
  TransactionShape,
  transactionOut,
} from './openapi/resources.js';
import { catalogOperations, ownCharger } from './operations/catalog.js';
import { dashboardOperations } from './operations/dashboard.js';
import { type FleetOperationsDeps, fleetStatementOperations } from './operations/fleets.js';
import { memberOperations } from './operations/members.js';
import { type PaymentOperationsDeps, paymentOperations } from './operations/payments.js';
import { type PayoutOperationsDeps, payoutOperations } from './operations/payouts.js';
import { userOperations } from './operations/users.js';
import { authenticated } from './operator-auth.js';
import { type HttpEvent, type HttpResult, json } from './responses.js';

/** What the operator API needs: read models, the use cases' stores, and the command path. */
export interface OperatorApiDeps
  extends ManageChargersDeps,
    ManageCatalogDeps,
    SaveTariffDeps,
    ApiKeyDeps,
    InvitationDeps,
    PaymentOperationsDeps,
    PayoutOperationsDeps,
    FleetOperationsDeps {
  views: OperatorViews;
  commands: CommandDeps;
  /** Where drivers reach the start pages (config PUBLIC_BASE_URL): what the connector QR codes encode. */
  publicBaseUrl: string;
  /** The catalog's full create/read/update/delete (operations/catalog.ts). */
  catalogStore: CatalogStore;
  tariffCatalog: TariffCatalog;
  chargerSettings: ChargerSettings;
  operatorSettings: OperatorSettingsStore;
  /** The OCPP-J URL new chargers are told to connect to (config OCPP_PUBLIC_URL). */
  ocppBaseUrl?: string;
  /** Closed groups' members (operations/members.ts, member-routes.ts). */
  members: MemberStore;
}

const chargerIdParam = z.string().min(1).max(64);
const transactionIdParam = z.coerce.number().int().nonnegative();
const connectorIdParam = z.coerce.number().int().min(1).max(99);
const tariffIdParam = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - only, at most 64');

const COMMAND_ACTIONS = [
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ChangeAvailability',
  'Reset',
  'UnlockConnector',
  'ChangeConfiguration',
  'GetConfiguration',
  'TriggerMessage',
  'ClearCache',
  'SetChargingProfile',
] as const satisfies readonly CommandAction[];

/**
 * A command's payload as JSON, at most. OCPP's schemas leave most lists unbounded (GetConfiguration's
 * keys, a charging schedule's periods); this keeps the stored call, with the charger's answer, far
 * under DynamoDB's 400 KB item and the message inside one API Gateway WebSocket frame (32 KB).
 */
const MAX_COMMAND_PAYLOAD_BYTES = 32 * 1024;

const commandBody = z.strictObject({
  action: z.enum(COMMAND_ACTIONS, { error: `action must be one of ${COMMAND_ACTIONS.join(', ')}` }),
  payload: z
    .record(z.string(), z.unknown())
    .default({})
    .refine((payload) => Buffer.byteLength(JSON.stringify(payload), 'utf8') <= MAX_COMMAND_PAYLOAD_BYTES, {
      error: `payload must be at most ${MAX_COMMAND_PAYLOAD_BYTES} bytes as JSON`,
    }),
  /** Seconds to wait for the charger's answer before replying 202 with the call id (0–25). */
  waitSeconds: z.number().int().min(0).max(25).default(10),
});

const QR_CONTENT_TYPES: Record<QrFormat, string> = { svg: 'image/svg+xml', png: 'image/png' };

const ChargerPath = z.strictObject({ chargerId: chargerIdParam });
const BAD_OR_MISSING = { 400: ['invalid_parameter'], 404: ['not_found'] } as const;

/**
 * A connector's QR code as an image. The PNG travels base64-encoded with `isBase64Encoded`, which
 * API Gateway (and the embedded HTTP server) turn back into bytes. The SVG is shown inline (the
 * console opens it); the PNG is a download, named for the sticker it becomes.
 */
function qrOperation(format: QrFormat, getDeps: () => OperatorApiDeps): Operation {
  return defineOperation({
    operationId: `getConnectorQr${format === 'svg' ? 'Svg' : 'Png'}`,
    method: 'GET',
    path: `/api/v1/chargers/{chargerId}/connectors/{connectorId}/qr.${format}`,
    summary: `A connector's QR code (${format.toUpperCase()}), encoding the driver's start page`,
    tag: 'Chargers',
    params: z.strictObject({ chargerId: chargerIdParam, connectorId: connectorIdParam }),
    responses: {
      200: { description: `The QR code as ${format.toUpperCase()}.`, contentType: QR_CONTENT_TYPES[format] },
    },
    errors: BAD_OR_MISSING,
    tenancy: 'not-found',
    handler: async ({ params: { chargerId, connectorId }, operatorId }) => {
      const deps = getDeps();
      const view = await ownCharger(deps.views, operatorId, chargerId);
      const connectors = view.charger.connectorCount ?? 1;
      if (connectorId > connectors)
        throw notFound(`charger ${chargerId} has no connector ${connectorId} (it has ${connectors})`);
      const fileName = `QR-${chargerId.replace(/[^A-Za-z0-9._-]/g, '_')}-connector-${connectorId}.${format}`;
      const headers = {
        'content-type': QR_CONTENT_TYPES[format],
        'content-disposition': `${format === 'png' ? 'attachment' : 'inline'}; filename="${fileName}"`,
        'cache-control': 'no-store',
      };
      if (format === 'svg') {
        return {
          statusCode: 200,
          headers,
          body: await connectorQr(deps.publicBaseUrl, chargerId, connectorId, 'svg'),
        };
      }
      const png = await connectorQr(deps.publicBaseUrl, chargerId, connectorId, 'png');
      return { statusCode: 200, headers, body: png.toString('base64'), isBase64Encoded: true };
    },
  });
}

/** A command to a charger as the API shows it; `error` has the API's `{code, message}` form. */
const CommandShape = z
  .strictObject({
    callId: z.string().describe('Opaque; read the command again with it.'),
    action: z.string(),
    status: z.enum(['queued', 'sent', 'succeeded', 'failed', 'timeout', 'not-sent', 'pending']),
    createdAt: z.iso.datetime({ offset: true }),
    result: z.record(z.string(), z.unknown()).optional().describe("The charger's answer (OCPP .conf)."),
    truncated: z.string().optional().describe('What was cut from a very large answer, and how much.'),
    error: z
      .strictObject({
        code: z.string(),
        message: z.string(),
        source: z.enum(['charger', 'platform']),
      })
      .optional(),
  })
  .meta({ id: 'Command' });

function commandResponse(result: CommandResult, callId: string): HttpResult {
  const call = {
    callId,
    action: result.call.action,
    status: result.call.status,
    createdAt: new Date(result.call.createdAt).toISOString(),
  };
  const failure = (f: { code: string; description: string; source: 'charger' | 'platform' }) => ({
    code: f.code,
    message: f.description,
    source: f.source,
  });
  switch (result.status) {
    case 'succeeded':
      return json({
        ...call,
        status: 'succeeded',
        result: result.result,
        ...(result.call.resultTruncated ? { truncated: result.call.resultTruncated } : {}),
      });
    case 'failed':
      return json({ ...call, status: 'failed', error: failure(result.error) }, 502);
    case 'timeout':
      return json(
        {
          ...call,
          status: 'timeout',
          error: { code: 'Timeout', message: 'the charger did not answer in time', source: 'platform' },
        },
        504,
      );
    case 'not-sent':
      // The charger never saw the command (offline, or busy with earlier ones): safe to send again.
      return json({ ...call, status: 'not-sent', error: failure(result.error) }, 409);
    case 'pending':
      return json({ ...call, status: 'pending' }, 202);
  }
}

/** A list in memory (a handful of API keys) paged like the stored ones, after the last id shown. */
function pageInMemory<T>(all: T[], idOf: (item: T) => string, limit: number, cursor?: string) {
  let from = 0;
  if (cursor !== undefined) {
    const after = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!keyIdParam.safeParse(after).success)
      throw new InvalidCursorError('the cursor is not one this listing gave');
    from = all.findIndex((item) => idOf(item) > after);
    if (from < 0) from = all.length;
  }
  const items = all.slice(from, from + limit);
  const last = items.at(-1);
  const more = from + limit < all.length && last !== undefined;
  return { items, nextCursor: more ? Buffer.from(idOf(last), 'utf8').toString('base64url') : null };
}

const created = (body: unknown) => json(body, 201);

/** Every operation of the operator API, in the order the document lists them. */
export function operatorOperations(getDeps: () => OperatorApiDeps): Operation[] {
  return [
    defineOperation({
      operationId: 'getOperator',
      method: 'GET',
      path: '/api/v1/operator',
      summary: 'The operator the API key belongs to: settings and branding',
      tag: 'Operator',
      responses: {
        200: { description: 'The operator.', schema: z.strictObject({ operator: OperatorShape }) },
      },
      handler: async ({ operatorId }) => {
        const operator = await getDeps().views.operator(operatorId);
        if (!operator) throw notFound(`operator ${operatorId} not found`);
        return json({ operator: operatorOut(operator) });
      },
    }),
    defineOperation({
      operationId: 'listChargers',
      method: 'GET',
      path: '/api/v1/chargers',
      summary: "The operator's chargers with their connection and connector status, by charger id",
      tag: 'Chargers',
      query: PageQuery,
      responses: { 200: { description: 'One page of chargers.', schema: pageOf(ChargerShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const page = await getDeps().views.chargers(operatorId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        return json({ items: page.items.map(chargerViewOut), nextCursor: page.next ?? null });
      },
    }),
    defineOperation({
      operationId: 'getCharger',
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}',
      summary: 'One charger with its connection and connectors',
      tag: 'Chargers',
      params: ChargerPath,
      responses: { 200: { description: 'The charger.', schema: z.strictObject({ charger: ChargerShape }) } },
      errors: BAD_OR_MISSING,
      tenancy: 'not-found',
      handler: async ({ operatorId, params }) =>
        json({ charger: chargerViewOut(await ownCharger(getDeps().views, operatorId, params.chargerId)) }),
    }),
    qrOperation('svg', getDeps),
    qrOperation('png', getDeps),
    defineOperation({
      operationId: 'approveCharger',
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/approve',
      summary: 'Approves a charger that registered itself under a claimed prefix',
      tag: 'Chargers',
      params: ChargerPath,
      responses: {
        200: {
          description: 'The charger is active.',
          schema: z.strictObject({ chargerId: z.string(), registration: z.literal('active') }),
        },
      },
      errors: BAD_OR_MISSING,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId } }) => {
        await approveCharger(getDeps(), operatorId, chargerId);
        return json({ chargerId, registration: 'active' });
      },
    }),
    defineOperation({
      // Unknown chargers whose id starts with a claimed prefix may register themselves as pending,
      // if the operator allows it (allowPendingChargers); the operator then approves them.
      operationId: 'claimRegistrationPrefix',
      method: 'PUT',
      path: '/api/v1/registration-prefixes/{prefix}',
      summary: 'Claims a charger id prefix under which unknown chargers may register as pending',
      tag: 'Chargers',
      params: z.strictObject({
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]{3,48}$/, '3–48 characters of a charger id: letters, digits, - _ and .'),
      }),
      responses: {
        200: { description: 'The prefix is the caller’s.', schema: z.strictObject({ prefix: z.string() }) },
      },
      errors: { 400: ['invalid_parameter'], 409: ['conflict'] },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { prefix } }) => {
        await claimRegistrationPrefix(getDeps(), operatorId, prefix);
        return json({ prefix });
      },
    }),
    defineOperation({
      operationId: 'sendCommand',
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/commands',
      summary: 'Sends an OCPP command to a connected charger and waits up to waitSeconds for its answer',
      tag: 'Commands',
      params: ChargerPath,
      body: commandBody,
      responses: {
        200: { description: 'The charger answered.', schema: CommandShape },
        202: { description: 'Sent; no answer yet: read it again with its callId.', schema: CommandShape },
        409: { description: 'Not sent (charger offline or busy): safe to send again.', schema: CommandShape },
        502: { description: 'The charger answered with an error.', schema: CommandShape },
        504: { description: 'The charger did not answer in time.', schema: CommandShape },
      },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'invalid_payload', 'body_missing', 'body_not_json'],
        404: ['not_found'],
        409: ['charger_offline', 'charger_not_accepted'],
      },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId }, body }) => {
        const deps = getDeps();
        // Ownership before connection: another operator's charger is missing, whether or not it is
        // online (sendCommand alone would say "not connected", telling B that A's charger exists).
        await ownCharger(deps.views, operatorId, chargerId);
        const { commands } = deps;
        const handle = await sendCommand(commands, {
          chargerId,
          operatorId,
          action: body.action,
          payload: body.payload as never,
        });
        const result = await awaitCommandResult(commands, handle.callId, {
          timeoutMs: body.waitSeconds * 1000,
        });
        return commandResponse(result, handle.callId);
      },
    }),
    defineOperation({
      operationId: 'getCommand',
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}/commands/{callId}',
      summary: 'A command sent earlier, with the charger’s answer once it came',
      tag: 'Commands',
      params: z.strictObject({ chargerId: chargerIdParam, callId: z.string().min(1).max(512) }),
      responses: {
        200: { description: 'Answered.', schema: CommandShape },
        202: { description: 'No answer yet.', schema: CommandShape },
        409: { description: 'Never sent.', schema: CommandShape },
        502: { description: 'The charger answered with an error.', schema: CommandShape },
        504: { description: 'The charger did not answer in time.', schema: CommandShape },
      },
      errors: BAD_OR_MISSING,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId, callId } }) => {
        if (decodeCallId(callId).chargerId !== chargerId) throw notFound('no such charger or call');
        const result = await awaitCommandResult(getDeps().commands, callId, { timeoutMs: 0 });
        if (result.call.operatorId !== operatorId) throw notFound('no such charger or call');
        return commandResponse(result, callId);
      },
    }),
    defineOperation({
      operationId: 'listTransactions',
      method: 'GET',
      path: '/api/v1/transactions',
      summary: "The operator's charging sessions, newest first",
      tag: 'Sessions',
      query: PageQuery,
      responses: { 200: { description: 'One page of sessions.', schema: pageOf(TransactionShape) } },
      errors: LIST_ERRORS,
      handler: async ({ operatorId, query }) => {
        const { views } = getDeps();
        const page = await views.transactions(operatorId, {
          limit: query.limit,
          ...(query.cursor ? { after: query.cursor } : {}),
        });
        const facts = await views.paymentFacts(operatorId, page.items);
        return json({
          items: page.items.map((tx) => transactionOut(tx, facts)),
          nextCursor: page.next ?? null,
        });
      },
    }),
    defineOperation({
      operationId: 'getTransaction',
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}/transactions/{transactionId}',
      summary: 'One charging session with its charge and payment',
      tag: 'Sessions',
      params: z.strictObject({ chargerId: chargerIdParam, transactionId: transactionIdParam }),
      responses: {
        200: { description: 'The session.', schema: z.strictObject({ transaction: TransactionDetailShape }) },
      },
      errors: BAD_OR_MISSING,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { chargerId, transactionId } }) => {
        const { views } = getDeps();
        const tx = await views.transaction(chargerId, transactionId);
        if (tx?.operatorId !== operatorId)
          throw notFound(`transaction ${transactionId} of ${chargerId} not found`);
        const [facts, meterValueMessageCount] = await Promise.all([
          views.paymentFacts(operatorId, [tx]),
          views.meterValueCount(chargerId, transactionId),
        ]);
        return json({ transaction: { ...transactionOut(tx, facts), meterValueMessageCount } });
      },
    }),
    defineOperation({
      operationId: 'getTariff',
      method: 'GET',
      path: '/api/v1/tariffs/{tariffId}',
      summary: 'One tariff (service rate)',
      tag: 'Tariffs',
      params: z.strictObject({ tariffId: tariffIdParam }),
      responses: { 200: { description: 'The tariff.', schema: z.strictObject({ tariff: TariffShape }) } },
      errors: BAD_OR_MISSING,
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { tariffId } }) => {
        const stored = await getDeps().views.tariff(operatorId, tariffId);
        if (!stored) throw notFound(`tariff ${tariffId} not found`);
        // A stored tariff passed these rules when it was saved; reading it through them keeps
        // anything else the item holds (storage fields) out of the answer.
        return json({ tariff: TariffSchema.parse(pickTariff(stored)) });
      },
    }),
    defineOperation({
      // Create or replace a service rate. Sessions already running keep the snapshot they started with.
      operationId: 'putTariff',
      method: 'PUT',
      path: '/api/v1/tariffs/{tariffId}',
      summary: 'Creates or replaces a tariff; running sessions keep the one they started with',
      description:
        'The body is a Tariff without `id` and `operatorId` (the path and the API key give them). ' +
        'Every problem is named in one `invalid_tariff` answer.',
      tag: 'Tariffs',
      params: z.strictObject({ tariffId: tariffIdParam }),
      // The tariff rules (domain/tariff-schema.ts) validate the body, and name every problem at once.
      body: z
        .record(z.string(), z.unknown())
        .meta({ id: 'TariffInput', description: 'A Tariff, less id and operatorId.' }),
      responses: {
        200: { description: 'The stored tariff.', schema: z.strictObject({ tariff: TariffShape }) },
      },
      errors: { 400: ['invalid_parameter', 'invalid_tariff', 'body_missing', 'body_not_json'] },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { tariffId }, body }) =>
        json({ tariff: await saveTariff(getDeps(), { operatorId, tariffId, body }) }),
    }),
    defineOperation({
      operationId: 'putSite',
      method: 'PUT',
      path: '/api/v1/sites/{siteId}',
      summary: 'Creates or replaces a site',
      tag: 'Sites',
      params: z.strictObject({ siteId: refParam }),
      body: SiteSchema,
      responses: { 200: { description: 'The site.', schema: z.strictObject({ site: SiteShape }) } },
      errors: { 400: ['invalid_parameter', 'invalid_body', 'body_missing', 'body_not_json'] },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { siteId }, body }) =>
        json({ site: siteOut(await saveSite(getDeps(), operatorId, siteId, body)) }),
    }),
    defineOperation({
      operationId: 'putGroup',
      method: 'PUT',
      path: '/api/v1/groups/{groupId}',
      summary: 'Creates or replaces a closed user group',
      tag: 'Groups',
      params: z.strictObject({ groupId: refParam }),
      body: GroupSchema,
      responses: { 200: { description: 'The group.', schema: z.strictObject({ group: GroupShape }) } },
      errors: { 400: ['invalid_parameter', 'invalid_body', 'body_missing', 'body_not_json'] },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { groupId }, body }) =>
        json({ group: groupOut(await saveGroup(getDeps(), operatorId, groupId, body)) }),
    }),
    defineOperation({
      operationId: 'putIdTag',
      method: 'PUT',
      path: '/api/v1/id-tags/{idTag}',
      summary: 'Creates or replaces an RFID id tag (owner, group member, fleet card, driver)',
      tag: 'Id tags',
      params: z.strictObject({ idTag: idTagParam }),
      body: IdTagSchema,
      responses: { 200: { description: 'The id tag.', schema: z.strictObject({ idTag: IdTagShape }) } },
      errors: { 400: ['invalid_parameter', 'invalid_body', 'body_missing', 'body_not_json'] },
      tenancy: 'caller-scoped',
      handler: async ({ operatorId, params: { idTag }, body }) =>
        json({ idTag: idTagOut(await saveIdTag(getDeps(), operatorId, idTag, body)) }),
    }),
    ...apiKeyOperations(getDeps),
    ...dashboardOperations(getDeps),
    ...catalogOperations(getDeps),
    ...userOperations(getDeps),
    ...memberOperations(getDeps),
    ...paymentOperations(getDeps),
    ...payoutOperations(getDeps),
    ...fleetStatementOperations(getDeps),
  ];
}

/** The stored tariff's own fields: what TariffSchema knows, nothing the store added. */
function pickTariff(stored: Record<string, unknown>): Record<string, unknown> {
  const known = Object.keys(TariffSchema.shape);
  return Object.fromEntries(Object.entries(stored).filter(([k]) => known.includes(k)));
}

/**
 * The operator's own API keys (shared/app/operators/api-keys.ts has the shapes). A key id of another
 * operator reads as not found. A new key is in the answer once, and never again.
 */
function apiKeyOperations(getDeps: () => OperatorApiDeps): Operation[] {
  const KeyPath = z.strictObject({ keyId: keyIdParam });
  return [
    defineOperation({
      operationId: 'listApiKeys',
      method: 'GET',
      path: '/api/v1/api-keys',
      summary: "The operator's API keys (never the keys themselves), by key id",
      tag: 'API keys',
      ownersOnly: true,
      query: PageQuery,
      responses: { 200: { description: 'One page of keys.', schema: ApiKeyListShape } },
      errors: { ...LIST_ERRORS, 403: ['forbidden'] },
      handler: async ({ operatorId, query }) =>
        json(
          pageInMemory(await listApiKeys(getDeps(), operatorId), (k) => k.keyId, query.limit, query.cursor),
        ),
    }),
    defineOperation({
      operationId: 'createApiKey',
      method: 'POST',
      path: '/api/v1/api-keys',
      summary: 'Issues an API key; the key is in this answer only',
      tag: 'API keys',
      ownersOnly: true,
      body: CreateApiKeyBody,
      responses: { 201: { description: 'The new key.', schema: IssuedApiKeyShape } },
      errors: { 400: ['invalid_body', 'body_missing', 'body_not_json'], 403: ['forbidden'] },
      handler: async ({ operatorId, body }) => created(await issueApiKey(getDeps(), operatorId, body)),
    }),
    defineOperation({
      operationId: 'rotateApiKey',
      method: 'POST',
      path: '/api/v1/api-keys/{keyId}/rotate',
      summary: 'Issues a new key in place of this one, which keeps working for graceSeconds',
      tag: 'API keys',
      ownersOnly: true,
      params: KeyPath,
      // Every field has a default: an empty body rotates with the default grace.
      body: RotateApiKeyBody,
      bodyOptional: true,
      responses: {
        201: { description: 'The new key, and the old one as it now is.', schema: RotatedApiKeyShape },
      },
      errors: {
        400: ['invalid_parameter', 'invalid_body', 'body_not_json'],
        403: ['forbidden'],
        404: ['not_found'],
        409: ['api_key_revoked'],
      },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { keyId }, body }) => {
        const result = await rotateApiKey(getDeps(), operatorId, keyId, body);
        if (result.outcome === 'not-found') throw notFound(`API key ${keyId} not found`);
        if (result.outcome === 'revoked')
          throw conflict(`API key ${keyId} is revoked: create a new key instead`, 'api_key_revoked');
        const { outcome: _rotated, ...rotated } = result;
        return created(rotated);
      },
    }),
    defineOperation({
      operationId: 'revokeApiKey',
      method: 'DELETE',
      path: '/api/v1/api-keys/{keyId}',
      summary: 'Revokes a key at once',
      tag: 'API keys',
      ownersOnly: true,
      params: KeyPath,
      responses: {
        200: { description: 'The revoked key.', schema: z.strictObject({ apiKey: ApiKeyShape }) },
      },
      errors: { ...BAD_OR_MISSING, 403: ['forbidden'] },
      tenancy: 'not-found',
      handler: async ({ operatorId, params: { keyId } }) => {
        const result = await revokeApiKey(getDeps(), operatorId, keyId);
        if (result.outcome === 'not-found') throw notFound(`API key ${keyId} not found`);
        return json({ apiKey: result.apiKey });
      },
    }),
  ];
}

/**
 * The `/api/v1` routes over the deps the composition root gives (read per request: see perConfig):
 * the document and its reference page for anyone, every operation behind the API key check.
 */
export function operatorRoutes(getDeps: () => OperatorApiDeps): Route<HttpEvent, HttpResult>[] {
  const operations = operatorOperations(getDeps);
  const open = operations.filter((op) => op.auth === 'none').map(routeOf);
  const keyed = operations.filter((op) => op.auth !== 'none').map(routeOf);
  return [
    // Sign-in's own routes (auth-routes.ts): they make the session the other routes accept.
    ...authRoutes(getDeps),
    ...docsRoutes(operations),
    ...open.map(({ method, path, handler }) => ({
      method,
      path,
      handler: (event: HttpEvent) => handler({ event, operatorId: '' }),
    })),
    ...authenticated(getDeps, keyed),
  ];
}
