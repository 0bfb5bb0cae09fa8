/**
 * The HTTP API function: driver pages, the operator console and the operator API (`/api/v1`).
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import httpSecurityHeaders from '@middy/http-security-headers';
import { operatorRoutes } from '../../shared/http/operator-api.js';
import { pageRoutes } from '../../shared/http/page-routes.js';
import type { HttpEvent, HttpResult } from '../../shared/http/responses.js';
import { HttpError } from '../../shared/lambda/http-errors.js';
import { jsonErrors } from '../../shared/lambda/middlewares.js';

/**
 * Pages load their stylesheet and script from /assets and call only the operator API, so nothing
 * inline is allowed. Directives left at middy's defaults that would break the pages are turned off:
 * `sandbox` (it blocks every script), trusted types (the console renders rows with innerHTML from
 * escaped values) and `navigate-to` (browsers dropped it).
 */
const CONTENT_SECURITY_POLICY = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'form-action': "'self'",
  sandbox: false,
  'navigate-to': false,
  'report-to': false,
  'require-trusted-types-for': false,
  'trusted-types': false,
} as unknown as Record<string, string>;

export const handler = middy<HttpEvent, HttpResult>()
  .use(jsonErrors())
  .use(httpHeaderNormalizer())
  .use(httpSecurityHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }))
  .handler(
    httpRouterHandler<HttpEvent, HttpResult>({
      routes: [...pageRoutes, ...operatorRoutes],
      notFoundResponse: ({ method, path }) => {
        throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
      },
    }),
  );
