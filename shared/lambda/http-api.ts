/**
 * The HTTP API function's handler, built from its deps: driver pages, closed groups' member pages (`/m`), the operator console and the
 * operator API (`/api/v1`). functions/http/api.ts builds it over the container's deps; tests build
 * it over fakes and run every request through the same middleware chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { Context } from 'aws-lambda';
import type { ConnectRouteDeps } from '../http/connect-routes.js';
import type { DriverRouteDeps } from '../http/driver-routes.js';
import type { MemberRouteDeps } from '../http/member-routes.js';
import type { OperatorApiDeps } from '../http/operator-api.js';
import type { PageDeps } from '../http/page-routes.js';
import type { HttpEvent, HttpResult } from '../http/responses.js';
import { HttpError } from './http-errors.js';
import { logInvocation } from './logger.js';
import { httpEdge } from './middlewares.js';

type HttpApiDeps = OperatorApiDeps & PageDeps & DriverRouteDeps & ConnectRouteDeps & MemberRouteDeps;
type Router = (event: HttpEvent, context: Context) => Promise<HttpResult>;

const notFoundResponse = ({ method, path }: { method: string; path: string }): never => {
  throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
};

/**
 * The operator API's paths (operator-api.ts with auth-routes.ts, and the Connect onboarding pages of
 * connect-routes.ts, which sign an operator in): no page or driver route lies
 * under them, so a router of their own answers each of them as the single router did.
 */
const isOperatorPath = (path: string): boolean =>
  ['/api/v1', '/console/accept', '/connect'].some(
    (prefix) => path === prefix || path.startsWith(`${prefix}/`),
  );

/** The member pages (member-routes.ts): every one of them under `/m`, and nothing else is. */
const isMemberPath = (path: string): boolean => path === '/m' || path.startsWith('/m/');

/**
 * A router whose routes are loaded on its first request: a cold start compiles only the group its
 * first request needs. The driver's pages and the home page (the driver routes, the payment use
 * cases, the tariff schema), the operator API (its routes, the OpenAPI document, full zod and the
 * operator use cases) and the member pages (which reuse the operator sign-in's cookie rules and the
 * OpenAPI transaction shape, so they load full zod, TOTP and QR codes too) each load this way.
 */
function lazyRouter(load: () => Promise<Route<HttpEvent, HttpResult>[]>): Router {
  let router: Promise<Router> | undefined;
  return async (event, context) => {
    router ??= load().then(
      (routes) => httpRouterHandler<HttpEvent, HttpResult>({ routes, notFoundResponse }) as Router,
      (error: unknown) => {
        // Not cached: the next request tries again.
        router = undefined;
        throw error;
      },
    );
    return (await router)(event, context);
  };
}

/**
 * Routes are built once; they read `getDeps()` per request, so a configuration set after the
 * handler was built (the embedded runtime's @connections endpoint) still reaches them.
 */
export function createHttpApi(getDeps: () => HttpApiDeps) {
  return createSplitHttpApi(
    async () => getDeps,
    async () => getDeps,
  );
}

/**
 * The same handler, where the driver's pages are served over the deps `loadDriverDeps` answers and
 * the operator API and member pages over those `loadDeps` answers, each on the first request of its
 * group: the function (functions/http/api.ts) loads its composition roots that way, so a cold start
 * serving a driver does not compile the operator adapters, nor one serving an operator the driver's.
 */
export function createSplitHttpApi(
  loadDriverDeps: () => Promise<() => PageDeps & DriverRouteDeps>,
  loadDeps: () => Promise<() => HttpApiDeps>,
) {
  const driverRouter = lazyRouter(async () => {
    const [getDriverDeps, { pageRoutes }, { driverRoutes }] = await Promise.all([
      loadDriverDeps(),
      import('../http/page-routes.js'),
      import('../http/driver-routes.js'),
    ]);
    return [...pageRoutes(getDriverDeps), ...driverRoutes(getDriverDeps)];
  });
  const operatorRouter = lazyRouter(async () => {
    const [getDeps, { operatorRoutes }, { connectRoutes }] = await Promise.all([
      loadDeps(),
      import('../http/operator-api.js'),
      import('../http/connect-routes.js'),
    ]);
    return [...operatorRoutes(getDeps), ...connectRoutes(getDeps)];
  });
  const memberRouter = lazyRouter(async () => {
    const [getDeps, { memberRoutes }] = await Promise.all([loadDeps(), import('../http/member-routes.js')]);
    return memberRoutes(getDeps);
  });
  const routerFor = (path: string): Router =>
    isOperatorPath(path) ? operatorRouter : isMemberPath(path) ? memberRouter : driverRouter;
  return (
    middy<HttpEvent, HttpResult>()
      .use(logInvocation())
      .use(httpHeaderNormalizer())
      // Security headers on every response, errors too; a page's own CSP (the start page's Stripe
      // origins) wins over the default.
      .use(httpEdge())
      .handler((event, context) => routerFor(event.requestContext.http.path)(event, context))
  );
}
