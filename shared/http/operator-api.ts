/**
 * The operator API (`/api/v1`): bearer API key → operator (operator-auth.ts, once per request);
 * every read and write is scoped to that operator, and another operator's resource is reported as
 * missing, never as forbidden. Routes are built from their dependencies, so tests can hand them
 * fakes; errors are mapped to statuses in one table (shared/lambda/http-errors.ts).
 */
import type { Route } from '@middy/http-router';
import { z } from 'zod';
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
  RegisterChargerSchema,
  registerCharger,
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
  CreateApiKeyBody,
  issueApiKey,
  keyIdParam,
  listApiKeys,
  RotateApiKeyBody,
  revokeApiKey,
  rotateApiKey,
} from '../app/operators/api-keys.js';
import { type SaveTariffDeps, saveTariff } from '../app/tariffs/save-tariff.js';
import type { InvitationDeps } from '../app/users/invitations.js';
import { conflict, notFound } from '../lambda/http-errors.js';
import type { CommandAction } from '../ocpp/v16/types.js';
import type { OperatorViews } from '../ports/operator-views.js';
import { connectorQr, type QrFormat } from '../web/qr.js';
import { authRoutes } from './auth-routes.js';
import { authenticated, type OperatorRoute } from './operator-auth.js';
import { type HttpEvent, type HttpResult, json, jsonBody, param } from './responses.js';

/** What the operator API needs: read models, the use cases' stores, and the command path. */
export interface OperatorApiDeps
  extends ManageChargersDeps,
    ManageCatalogDeps,
    SaveTariffDeps,
    ApiKeyDeps,
    InvitationDeps {
  views: OperatorViews;
  commands: CommandDeps;
  /** Where drivers reach the start pages (config PUBLIC_BASE_URL): what the connector QR codes encode. */
  publicBaseUrl: string;
}

const chargerIdParam = z.string().min(1).max(64);
const transactionIdParam = z.coerce.number().int().nonnegative();
const connectorIdParam = z.coerce.number().int().min(1).max(99);
const limitParam = z.coerce.number().int().min(1).max(100).default(25);
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

/**
 * A connector's QR code as an image. The PNG travels base64-encoded with `isBase64Encoded`, which
 * API Gateway (and the embedded HTTP server) turn back into bytes. The SVG is shown inline (the
 * console opens it); the PNG is a download, named for the sticker it becomes.
 */
function qrRoute(format: QrFormat, getDeps: () => OperatorApiDeps): OperatorRoute {
  return {
    method: 'GET',
    path: `/api/v1/chargers/{chargerId}/connectors/{connectorId}/qr.${format}`,
    handler: async ({ event, operatorId }) => {
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const connectorId = param(connectorIdParam, event.pathParameters?.connectorId, 'connectorId');
      const deps = getDeps();
      const view = await deps.views.charger(chargerId);
      if (view?.charger.operatorId !== operatorId) throw notFound(`charger ${chargerId} not found`);
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
  };
}

function commandResponse(result: CommandResult, callId: string): HttpResult {
  const call = {
    callId,
    action: result.call.action,
    status: result.call.status,
    createdAt: result.call.createdAt,
  };
  switch (result.status) {
    case 'succeeded':
      return json({
        ...call,
        status: 'succeeded',
        result: result.result,
        ...(result.call.resultTruncated ? { truncated: result.call.resultTruncated } : {}),
      });
    case 'failed':
      return json({ ...call, status: 'failed', error: result.error }, 502);
    case 'timeout':
      return json({ ...call, status: 'timeout', error: 'the charger did not answer in time' }, 504);
    case 'not-sent':
      // The charger never saw the command (offline, or busy with earlier ones): safe to send again.
      return json({ ...call, status: 'not-sent', error: result.error }, 409);
    case 'pending':
      return json({ ...call, status: 'pending' }, 202);
  }
}

/**
 * The `/api/v1` routes over the deps the composition root gives (read per request: see perConfig),
 * each behind the caller check (API key or session), and sign-in's own routes (auth-routes.ts).
 */
export function operatorRoutes(getDeps: () => OperatorApiDeps): Route<HttpEvent, HttpResult>[] {
  return [...authRoutes(getDeps), ...authenticated(getDeps, routesOf(getDeps))];
}

function routesOf(getDeps: () => OperatorApiDeps): OperatorRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/operator',
      handler: async ({ operatorId }) => {
        const operator = await getDeps().views.operator(operatorId);
        if (!operator) throw notFound(`operator ${operatorId} not found`);
        return json({ operator });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/chargers',
      handler: async ({ operatorId }) => json({ chargers: await getDeps().views.chargers(operatorId) }),
    },
    {
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}',
      handler: async ({ event, operatorId }) => {
        const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
        const view = await getDeps().views.charger(chargerId);
        if (view?.charger.operatorId !== operatorId) throw notFound(`charger ${chargerId} not found`);
        return json(view);
      },
    },
    qrRoute('svg', getDeps),
    qrRoute('png', getDeps),
    {
      method: 'POST',
      path: '/api/v1/chargers',
      handler: async ({ event, operatorId }) => {
        const input = jsonBody(event, RegisterChargerSchema);
        return json({ charger: await registerCharger(getDeps(), operatorId, input) }, 201);
      },
    },
    {
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/approve',
      handler: async ({ event, operatorId }) => {
        const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
        await approveCharger(getDeps(), operatorId, chargerId);
        return json({ chargerId, registration: 'active' });
      },
    },
    {
      // Unknown chargers whose id starts with a claimed prefix may register themselves as pending,
      // if the operator allows it (allowPendingChargers); the operator then approves them.
      method: 'PUT',
      path: '/api/v1/registration-prefixes/{prefix}',
      handler: async ({ event, operatorId }) => {
        const prefix = param(
          z
            .string()
            .regex(/^[A-Za-z0-9._-]{3,48}$/, '3–48 characters of a charger id: letters, digits, - _ and .'),
          event.pathParameters?.prefix,
          'prefix',
        );
        await claimRegistrationPrefix(getDeps(), operatorId, prefix);
        return json({ prefix, operatorId });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/chargers/{chargerId}/commands',
      handler: async ({ event, operatorId }) => {
        const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
        const body = jsonBody(event, commandBody);
        const { commands } = getDeps();
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
    },
    {
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}/commands/{callId}',
      handler: async ({ event, operatorId }) => {
        const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
        const callId = param(z.string().min(1).max(512), event.pathParameters?.callId, 'callId');
        if (decodeCallId(callId).chargerId !== chargerId) throw notFound('no such charger or call');
        const result = await awaitCommandResult(getDeps().commands, callId, { timeoutMs: 0 });
        if (result.call.operatorId !== operatorId) throw notFound('no such charger or call');
        return commandResponse(result, callId);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/transactions',
      handler: async ({ event, operatorId }) => {
        const limit = param(limitParam, event.queryStringParameters?.limit, 'limit');
        return json({ transactions: await getDeps().views.transactions(operatorId, limit) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/chargers/{chargerId}/transactions/{transactionId}',
      handler: async ({ event, operatorId }) => {
        const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
        const transactionId = param(transactionIdParam, event.pathParameters?.transactionId, 'transactionId');
        const { views } = getDeps();
        const tx = await views.transaction(chargerId, transactionId);
        if (tx?.operatorId !== operatorId)
          throw notFound(`transaction ${transactionId} of ${chargerId} not found`);
        return json({
          transaction: tx,
          meterValueMessages: await views.meterValueCount(chargerId, transactionId),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/tariffs/{tariffId}',
      handler: async ({ event, operatorId }) => {
        const tariffId = param(tariffIdParam, event.pathParameters?.tariffId, 'tariffId');
        const tariff = await getDeps().views.tariff(operatorId, tariffId);
        if (!tariff) throw notFound(`tariff ${tariffId} not found`);
        return json({ tariff });
      },
    },
    {
      // Create or replace a service rate. Sessions already running keep the snapshot they started with.
      method: 'PUT',
      path: '/api/v1/tariffs/{tariffId}',
      handler: async ({ event, operatorId }) => {
        const tariffId = param(tariffIdParam, event.pathParameters?.tariffId, 'tariffId');
        const body = jsonBody(event, z.record(z.string(), z.unknown()));
        return json({ tariff: await saveTariff(getDeps(), { operatorId, tariffId, body }) });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/sites/{siteId}',
      handler: async ({ event, operatorId }) => {
        const siteId = param(refParam, event.pathParameters?.siteId, 'siteId');
        return json({ site: await saveSite(getDeps(), operatorId, siteId, jsonBody(event, SiteSchema)) });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/groups/{groupId}',
      handler: async ({ event, operatorId }) => {
        const groupId = param(refParam, event.pathParameters?.groupId, 'groupId');
        return json({ group: await saveGroup(getDeps(), operatorId, groupId, jsonBody(event, GroupSchema)) });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/id-tags/{idTag}',
      handler: async ({ event, operatorId }) => {
        const idTag = param(idTagParam, event.pathParameters?.idTag, 'idTag');
        return json({ idTag: await saveIdTag(getDeps(), operatorId, idTag, jsonBody(event, IdTagSchema)) });
      },
    },
    ...apiKeyRoutes(getDeps),
  ];
}

/**
 * The operator's own API keys (shared/app/operators/api-keys.ts has the shapes). A key id of another
 * operator reads as not found. A new key is in the answer once, and never again.
 */
function apiKeyRoutes(getDeps: () => OperatorApiDeps): OperatorRoute[] {
  const keyIdOf = (event: HttpEvent) => param(keyIdParam, event.pathParameters?.keyId, 'keyId');
  return [
    {
      method: 'GET',
      path: '/api/v1/api-keys',
      handler: async ({ operatorId }) => json({ apiKeys: await listApiKeys(getDeps(), operatorId) }),
    },
    {
      method: 'POST',
      path: '/api/v1/api-keys',
      handler: async ({ event, operatorId }) =>
        json(await issueApiKey(getDeps(), operatorId, jsonBody(event, CreateApiKeyBody)), 201),
    },
    {
      method: 'POST',
      path: '/api/v1/api-keys/{keyId}/rotate',
      handler: async ({ event, operatorId }) => {
        const keyId = keyIdOf(event);
        // Every field has a default: an empty body rotates with the default grace.
        const body = event.body ? jsonBody(event, RotateApiKeyBody) : RotateApiKeyBody.parse({});
        const result = await rotateApiKey(getDeps(), operatorId, keyId, body);
        if (result.outcome === 'not-found') throw notFound(`API key ${keyId} not found`);
        if (result.outcome === 'revoked')
          throw conflict(`API key ${keyId} is revoked: create a new key instead`, 'api_key_revoked');
        const { outcome: _rotated, ...rotated } = result;
        return json(rotated, 201);
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/api-keys/{keyId}',
      handler: async ({ event, operatorId }) => {
        const keyId = keyIdOf(event);
        const result = await revokeApiKey(getDeps(), operatorId, keyId);
        if (result.outcome === 'not-found') throw notFound(`API key ${keyId} not found`);
        return json({ apiKey: result.apiKey });
      },
    },
  ];
}
