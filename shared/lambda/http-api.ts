/**
 * The HTTP API function's handler, built from its deps: driver pages, the operator console and the
 * operator API (`/api/v1`). functions/http/api.ts builds it over the container's deps; tests build
 * it over fakes and run every request through the same middleware chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import { type ConnectRouteDeps, connectRoutes } from '../http/connect-routes.js';
import { type DriverRouteDeps, driverRoutes } from '../http/driver-routes.js';
import { type OperatorApiDeps, operatorRoutes } from '../http/operator-api.js';
import { type PageDeps, pageRoutes } from '../http/page-routes.js';
import type { HttpEvent, HttpResult } from '../http/responses.js';
import { HttpError } from './http-errors.js';
import { httpEdge } from './middlewares.js';

/**
 * Routes are built once; they read `getDeps()` per request, so a configuration set after the
 * handler was built (the embedded runtime's @connections endpoint) still reaches them.
 */
export function createHttpApi(
  getDeps: () => OperatorApiDeps & PageDeps & DriverRouteDeps & ConnectRouteDeps,
) {
  return (
    middy<HttpEvent, HttpResult>()
      .use(httpHeaderNormalizer())
      // Security headers on every response, errors too; a page's own CSP (the start page's Stripe
      // origins) wins over the default.
      .use(httpEdge())
      .handler(
        httpRouterHandler<HttpEvent, HttpResult>({
          routes: [
            ...pageRoutes(getDeps),
            ...driverRoutes(getDeps),
            ...operatorRoutes(getDeps),
            ...connectRoutes(getDeps),
          ],
          notFoundResponse: ({ method, path }) => {
            throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
          },
        }),
      )
  );
}
