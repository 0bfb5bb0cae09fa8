/**
 * The home page, the console shell (the console reads the operator API from the browser), health
 * and the static assets. The driver's pages live in driver-routes.ts.
 */
import type { Route } from '@middy/http-router';
import { notFound } from '../lambda/http-errors.js';
import type { OperatorViews } from '../ports/operator-views.js';
import { consolePage, homePage } from '../web/pages.js';
import { type HttpEvent, type HttpResult, htmlResponse, json } from './responses.js';

/** What the pages read: the public parts of a charger, its operator, site and tariff. */
export interface PageDeps {
  views: Pick<OperatorViews, 'charger' | 'operator' | 'site' | 'tariff'>;
}

/** The page routes over the deps the composition root gives (read per request: see perConfig). */
export const pageRoutes = (_getDeps: () => PageDeps): Route<HttpEvent, HttpResult>[] => [
  { method: 'GET', path: '/', handler: async () => htmlResponse(homePage()) },
  { method: 'GET', path: '/console', handler: async () => htmlResponse(await consolePage()) },
  { method: 'GET', path: '/api/health', handler: async () => json({ status: 'ok' }) },
  {
    method: 'GET',
    path: '/assets/{name}',
    handler: async (event: HttpEvent) => {
      // Loaded on the first asset request (the console's scripts are most of it), not at init.
      const { ASSETS } = await import('../web/assets.js');
      const asset = ASSETS[event.pathParameters?.name ?? ''];
      if (!asset) throw notFound(`no asset ${event.pathParameters?.name}`);
      return {
        statusCode: 200,
        headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=300' },
        body: asset.body,
      };
    },
  },
];
