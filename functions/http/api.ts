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

export const handler = middy<HttpEvent, HttpResult>()
  .use(jsonErrors())
  .use(httpHeaderNormalizer())
  .use(httpSecurityHeaders())
  .handler(
    httpRouterHandler<HttpEvent, HttpResult>({
      routes: [...pageRoutes, ...operatorRoutes],
      notFoundResponse: ({ method, path }) => {
        throw new HttpError(404, `no route for ${method} ${path}`, 'route_not_found');
      },
    }),
  );
