/**
 * The operator API (`/api/v1`): bearer API key → operator; every read and write is scoped to that
 * operator, and another operator's resource is reported as missing, never as forbidden.
 */
import { createHash } from 'node:crypto';
import type { Route } from '@middy/http-router';
import { z } from 'zod';
import {
  GroupSchema,
  IdTagSchema,
  idTagParam,
  refParam,
  SiteSchema,
  saveGroup,
  saveIdTag,
  saveSite,
} from '../app/catalog/manage-catalog.js';
import {
  approveCharger,
  ChargerConflictError,
  ChargerNotFoundError,
  claimRegistrationPrefix,
  RegisterChargerSchema,
  registerCharger,
} from '../app/chargers/manage-chargers.js';
import { awaitCommandResult, decodeCallId, sendCommand } from '../app/ocpp/commands.js';
import { saveTariff } from '../app/tariffs/save-tariff.js';
import { InvalidTariffError } from '../domain/tariff.js';
import { httpDeps } from '../lambda/http-deps.js';
import { badRequest, conflict, HttpError, notFound, unauthorized } from '../lambda/http-errors.js';
import { ocppDeps } from '../lambda/ocpp-deps.js';
import { OcppError } from '../ocpp/errors.js';
import type { CommandAction } from '../ocpp/v16/types.js';
import { type HttpEvent, type HttpResult, json, jsonBody, param } from './responses.js';

const chargerIdParam = z.string().min(1).max(64);
const transactionIdParam = z.coerce.number().int().nonnegative();
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

const commandBody = z.strictObject({
  action: z.enum(COMMAND_ACTIONS, { error: `action must be one of ${COMMAND_ACTIONS.join(', ')}` }),
  payload: z.record(z.string(), z.unknown()).default({}),
  /** Seconds to wait for the charger's answer before replying 202 with the call id (0–25). */
  waitSeconds: z.number().int().min(0).max(25).default(10),
});

async function operatorOf(event: HttpEvent): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(event.headers.authorization ?? '');
  if (!match?.[1]) throw unauthorized('send the operator API key as "Authorization: Bearer <key>"');
  const operatorId = await httpDeps().views.operatorForApiKey(
    createHash('sha256').update(match[1]).digest('hex'),
  );
  if (!operatorId) throw unauthorized();
  return operatorId;
}

/** Charger administration outcomes, as the operator API reports them. */
function adminError(err: unknown): never {
  if (err instanceof ChargerConflictError) throw conflict(err.message);
  if (err instanceof ChargerNotFoundError) throw notFound(err.message);
  throw err;
}

/** OCPP-side failures of a command, as the operator API reports them. */
function commandError(err: unknown): never {
  if (!(err instanceof OcppError)) throw err;
  switch (err.code) {
    case 'ChargerOffline':
      throw conflict(err.message, 'charger_offline');
    case 'SecurityError':
    case 'UnknownCall':
      throw notFound('no such charger or call');
    case 'FormatViolation':
    case 'TypeConstraintViolation':
    case 'PropertyConstraintViolation':
    case 'OccurrenceConstraintViolation':
    case 'ProtocolError':
      throw badRequest(`payload rejected by the OCPP schema: ${err.message}`, 'invalid_payload');
    default:
      throw err;
  }
}

function commandResponse(result: Awaited<ReturnType<typeof awaitCommandResult>>, callId: string): HttpResult {
  const call = {
    callId,
    action: result.call.action,
    status: result.call.status,
    createdAt: result.call.createdAt,
  };
  switch (result.status) {
    case 'succeeded':
      return json({ ...call, status: 'succeeded', result: result.result });
    case 'failed':
      return json({ ...call, status: 'failed', error: result.error }, 502);
    case 'timeout':
      return json({ ...call, status: 'timeout', error: 'the charger did not answer in time' }, 504);
    case 'pending':
      return json({ ...call, status: 'pending' }, 202);
  }
}

export const operatorRoutes: Route<HttpEvent, HttpResult>[] = [
  {
    method: 'GET',
    path: '/api/v1/operator',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const operator = await httpDeps().views.operator(operatorId);
      if (!operator) throw notFound(`operator ${operatorId} not found`);
      return json({ operator });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/chargers',
    handler: async (event: HttpEvent) =>
      json({ chargers: await httpDeps().views.chargers(await operatorOf(event)) }),
  },
  {
    method: 'GET',
    path: '/api/v1/chargers/{chargerId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const view = await httpDeps().views.charger(chargerId);
      if (view?.charger.operatorId !== operatorId) throw notFound(`charger ${chargerId} not found`);
      return json(view);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/chargers',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const input = jsonBody(event, RegisterChargerSchema);
      const charger = await registerCharger(httpDeps(), operatorId, input).catch(adminError);
      return json({ charger }, 201);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/chargers/{chargerId}/approve',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      await approveCharger(httpDeps(), operatorId, chargerId).catch(adminError);
      return json({ chargerId, registration: 'active' });
    },
  },
  {
    // Unknown chargers whose id starts with a claimed prefix may register themselves as pending,
    // if the operator allows it (allowPendingChargers); the operator then approves them.
    method: 'PUT',
    path: '/api/v1/registration-prefixes/{prefix}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const prefix = param(
        z.string().regex(/^[A-Za-z0-9*\-_=:+|@.]{3,48}$/, '3–48 characters of a charger id'),
        event.pathParameters?.prefix,
        'prefix',
      );
      await claimRegistrationPrefix(httpDeps(), operatorId, prefix).catch(adminError);
      return json({ prefix, operatorId });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/chargers/{chargerId}/commands',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const body = jsonBody(event, commandBody);
      const deps = ocppDeps();
      const handle = await sendCommand(deps, {
        chargerId,
        operatorId,
        action: body.action,
        payload: body.payload as never,
      }).catch(commandError);
      const result = await awaitCommandResult(deps, handle.callId, { timeoutMs: body.waitSeconds * 1000 });
      return commandResponse(result, handle.callId);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/chargers/{chargerId}/commands/{callId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const callId = param(z.string().min(1).max(512), event.pathParameters?.callId, 'callId');
      const ref = (() => {
        try {
          return decodeCallId(callId);
        } catch (err) {
          return commandError(err);
        }
      })();
      if (ref.chargerId !== chargerId) throw notFound('no such charger or call');
      const deps = ocppDeps();
      const result = await awaitCommandResult(deps, callId, { timeoutMs: 0 }).catch(commandError);
      if (result.call.operatorId !== operatorId) throw notFound('no such charger or call');
      return commandResponse(result, callId);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/transactions',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const limit = param(limitParam, event.queryStringParameters?.limit, 'limit');
      return json({ transactions: await httpDeps().views.transactions(operatorId, limit) });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/chargers/{chargerId}/transactions/{transactionId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const transactionId = param(transactionIdParam, event.pathParameters?.transactionId, 'transactionId');
      const { views } = httpDeps();
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
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const tariffId = param(tariffIdParam, event.pathParameters?.tariffId, 'tariffId');
      const tariff = await httpDeps().views.tariff(operatorId, tariffId);
      if (!tariff) throw notFound(`tariff ${tariffId} not found`);
      return json({ tariff });
    },
  },
  {
    // Create or replace a service rate. Sessions already running keep the snapshot they started with.
    method: 'PUT',
    path: '/api/v1/tariffs/{tariffId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const tariffId = param(tariffIdParam, event.pathParameters?.tariffId, 'tariffId');
      const body = jsonBody(event, z.record(z.string(), z.unknown()));
      try {
        return json({ tariff: await saveTariff(httpDeps(), { operatorId, tariffId, body }) });
      } catch (err) {
        if (err instanceof InvalidTariffError) throw new HttpError(400, err.message, 'invalid_tariff');
        throw err;
      }
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/sites/{siteId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const siteId = param(refParam, event.pathParameters?.siteId, 'siteId');
      return json({ site: await saveSite(httpDeps(), operatorId, siteId, jsonBody(event, SiteSchema)) });
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/groups/{groupId}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const groupId = param(refParam, event.pathParameters?.groupId, 'groupId');
      return json({ group: await saveGroup(httpDeps(), operatorId, groupId, jsonBody(event, GroupSchema)) });
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/id-tags/{idTag}',
    handler: async (event: HttpEvent) => {
      const operatorId = await operatorOf(event);
      const idTag = param(idTagParam, event.pathParameters?.idTag, 'idTag');
      return json({ idTag: await saveIdTag(httpDeps(), operatorId, idTag, jsonBody(event, IdTagSchema)) });
    },
  },
];
