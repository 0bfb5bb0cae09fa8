/**
 * The HTTP API function: driver pages, the operator console and the operator API (`/api/v1`,
 * bearer API key, every query scoped to the key's operator).
 */
import { createHash } from 'node:crypto';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Route } from '@middy/http-router';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { httpDeps } from '../../shared/lambda/http-deps.js';
import { badRequest, HttpError, notFound, unauthorized } from '../../shared/lambda/http-errors.js';
import { jsonErrors } from '../../shared/lambda/middlewares.js';
import { chargerPage, consolePage, homePage, notFoundPage } from '../../shared/web/pages.js';
import { describeTariff } from '../../shared/web/tariff-summary.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyResultV2;

const htmlResponse = (body: string, statusCode = 200): Result => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

const json = (body: unknown, statusCode = 200): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

async function operatorOf(event: Event): Promise<string> {
  const header = event.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('send the operator API key as "Authorization: Bearer <key>"');
  const operatorId = await httpDeps().views.operatorForApiKey(
    createHash('sha256').update(match[1]).digest('hex'),
  );
  if (!operatorId) throw unauthorized();
  return operatorId;
}

const chargerIdParam = z.string().min(1).max(48);
const transactionIdParam = z.coerce.number().int().nonnegative();
const limitParam = z.coerce.number().int().min(1).max(100).default(25);

function param<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw badRequest(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'invalid_parameter');
  return parsed.data;
}

const routes: Route<Event, Result>[] = [
  { method: 'GET', path: '/', handler: async () => htmlResponse(homePage()) },
  { method: 'GET', path: '/console', handler: async () => htmlResponse(consolePage()) },
  { method: 'GET', path: '/api/health', handler: async () => json({ status: 'ok' }) },
  {
    method: 'GET',
    path: '/c/{chargerId}',
    handler: async (event: Event) => {
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const { views } = httpDeps();
      const view = await views.charger(chargerId);
      if (view?.charger.registration !== 'active') {
        return htmlResponse(
          notFoundPage(`There is no charger ${chargerId} here. Check the code on the charger.`),
          404,
        );
      }
      const { operatorId, siteId, tariffId } = view.charger;
      const [operator, site] = await Promise.all([
        views.operator(operatorId),
        siteId ? views.site(operatorId, siteId) : undefined,
      ]);
      const effectiveTariffId = tariffId ?? site?.tariffId;
      const tariff = effectiveTariffId ? await views.tariff(operatorId, effectiveTariffId) : undefined;
      return htmlResponse(chargerPage(view, operator, site, tariff ? describeTariff(tariff) : []));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/operator',
    handler: async (event: Event) => {
      const operatorId = await operatorOf(event);
      const operator = await httpDeps().views.operator(operatorId);
      if (!operator) throw notFound(`operator ${operatorId} not found`);
      return json({ operator });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/chargers',
    handler: async (event: Event) =>
      json({ chargers: await httpDeps().views.chargers(await operatorOf(event)) }),
  },
  {
    method: 'GET',
    path: '/api/v1/chargers/{chargerId}',
    handler: async (event: Event) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const view = await httpDeps().views.charger(chargerId);
      // Another operator's charger is reported as missing, never as forbidden: ids don't leak.
      if (!view || view.charger.operatorId !== operatorId) throw notFound(`charger ${chargerId} not found`);
      return json(view);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/transactions',
    handler: async (event: Event) => {
      const operatorId = await operatorOf(event);
      const limit = param(limitParam, event.queryStringParameters?.limit, 'limit');
      return json({ transactions: await httpDeps().views.transactions(operatorId, limit) });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/chargers/{chargerId}/transactions/{transactionId}',
    handler: async (event: Event) => {
      const operatorId = await operatorOf(event);
      const chargerId = param(chargerIdParam, event.pathParameters?.chargerId, 'chargerId');
      const transactionId = param(transactionIdParam, event.pathParameters?.transactionId, 'transactionId');
      const { views } = httpDeps();
      const tx = await views.transaction(chargerId, transactionId);
      if (!tx || tx.operatorId !== operatorId)
        throw notFound(`transaction ${transactionId} of ${chargerId} not found`);
      return json({
        transaction: tx,
        meterValueMessages: await views.meterValueCount(chargerId, transactionId),
      });
    },
  },
];

export const handler = middy<Event, Result>()
  .use(jsonErrors())
  .use(httpHeaderNormalizer())
  .use(httpSecurityHeaders())
  .handler(
    httpRouterHandler<Event, Result>({
      routes,
      notFoundResponse: ({ method, path }) => {
        throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
      },
    }),
  );
