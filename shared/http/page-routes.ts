/**
 * Driver pages and the console shell (the console reads the operator API from the browser), built
 * from their dependencies like the operator API.
 */
import type { Route } from '@middy/http-router';
import { z } from 'zod';
import { publicTariff } from '../domain/tariff.js';
import { notFound } from '../lambda/http-errors.js';
import type { OperatorViews } from '../ports/operator-views.js';
import { ASSETS } from '../web/assets.js';
import { chargerPage, consolePage, homePage, notFoundPage } from '../web/pages.js';
import { describeTariff } from '../web/tariff-summary.js';
import { type HttpEvent, type HttpResult, htmlResponse, json, param } from './responses.js';

/** What the pages read: the public parts of a charger, its operator, site and tariff. */
export interface PageDeps {
  views: Pick<OperatorViews, 'charger' | 'operator' | 'site' | 'tariff'>;
}

/** The page routes over the deps the composition root gives (read per request: see perConfig). */
export const pageRoutes = (getDeps: () => PageDeps): Route<HttpEvent, HttpResult>[] => [
  { method: 'GET', path: '/', handler: async () => htmlResponse(homePage()) },
  { method: 'GET', path: '/console', handler: async () => htmlResponse(consolePage()) },
  { method: 'GET', path: '/api/health', handler: async () => json({ status: 'ok' }) },
  {
    method: 'GET',
    path: '/assets/{name}',
    handler: async (event: HttpEvent) => {
      const asset = ASSETS[event.pathParameters?.name ?? ''];
      if (!asset) throw notFound(`no asset ${event.pathParameters?.name}`);
      return {
        statusCode: 200,
        headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=300' },
        body: asset.body,
      };
    },
  },
  {
    method: 'GET',
    path: '/c/{chargerId}',
    handler: async (event: HttpEvent) => {
      const chargerId = param(z.string().min(1).max(64), event.pathParameters?.chargerId, 'chargerId');
      const { views } = getDeps();
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
      // The page is public: the charger's or site's price, never a closed group's.
      const effectiveTariffId = publicTariff({ charger: tariffId, site: site?.tariffId })?.tariffId;
      const tariff = effectiveTariffId ? await views.tariff(operatorId, effectiveTariffId) : undefined;
      return htmlResponse(chargerPage(view, operator, site, tariff ? describeTariff(tariff) : []));
    },
  },
];
