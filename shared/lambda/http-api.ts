/**
 * The HTTP API function's handler, built from its deps: driver pages, the operator console and the
 * operator API (`/api/v1`). functions/http/api.ts builds it over the container's deps; tests build
 * it over fakes and run every request through the same middleware chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import httpSecurityHeaders from '@middy/http-security-headers';
import { type OperatorApiDeps, operatorRoutes } from '../http/operator-api.js';
import { type PageDeps, pageRoutes } from '../http/page-routes.js';
import type { HttpEvent, HttpResult } from '../http/responses.js';
import { HttpError } from './http-errors.js';
import { jsonErrors } from './middlewares.js';

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

/**
 * Routes are built once; they read `getDeps()` per request, so a configuration set after the
 * handler was built (the embedded runtime's @connections endpoint) still reaches them.
 */
export function createHttpApi(getDeps: () => OperatorApiDeps & PageDeps) {
  return middy<HttpEvent, HttpResult>()
    .use(jsonErrors())
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }))
    .handler(
      httpRouterHandler<HttpEvent, HttpResult>({
        routes: [...pageRoutes(getDeps), ...operatorRoutes(getDeps)],
        notFoundResponse: ({ method, path }) => {
          throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
        },
      }),
    );
}
