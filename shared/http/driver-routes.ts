/**
 * The driver's routes: the start page a QR code opens, the payment API it calls, and the
 * Transaction URL page with its status, Stop, Cancel and receipt copies. Thin: validate, call one
 * payments use case, shape the answer; errors are thrown and mapped once (shared/lambda/http-errors.ts).
 *
 * A token that opens nothing (malformed, truncated, unknown) gets the same 404 as any other: the
 * answer must not tell a guesser how close it came. Nothing but the token's own session is shown.
 */
import { createHash } from 'node:crypto';
import type { Route } from '@middy/http-router';
// zod/mini: the same checks and messages without the chained API's ~460 KB at the HTTP function's init.
import * as z from 'zod/mini';
import '../domain/zod-messages.js';
import { beginPayment, NOT_ONBOARDED_MESSAGE } from '../app/payments/begin-payment.js';
import { cancelByDriver } from '../app/payments/cancel-session.js';
import { confirmHold } from '../app/payments/confirm-hold.js';
import type { PaymentsDeps } from '../app/payments/deps.js';
import { requestReceiptCopy } from '../app/payments/resend-receipt.js';
import { type DriverSessionView, sessionByToken, viewSession } from '../app/payments/session-view.js';
import { stopByDriver } from '../app/payments/stop-session.js';
import { accessSettingsOf, startPageAccess } from '../domain/access-rules.js';
import type { Operator } from '../domain/entities.js';
import { publicTariff } from '../domain/tariff.js';
import { HttpError, notFound } from '../lambda/http-errors.js';
import { hasStartedOnboarding } from '../ports/connect.js';
import type { OperatorViews } from '../ports/operator-views.js';
import type { PaymentSession } from '../ports/payments.js';
import { PAGE_LOCALE, sessionDisplay } from '../web/driver/display.js';
import { brandStylesheet, logoUrlOf } from '../web/driver/layout.js';
import { startPage } from '../web/driver/start-page.js';
import { transactionPage } from '../web/driver/transaction-page.js';
import { formatMoney } from '../web/format.js';
import { notFoundPage } from '../web/pages.js';
import { describeTariff } from '../web/tariff-summary.js';
import { type HttpEvent, type HttpResult, htmlResponse, json, jsonBody, param } from './responses.js';
import { widenedContentSecurityPolicy } from './security-headers.js';

/** Stripe.js in AWS; locally the emulator's `/v3/`. */
export const STRIPE_JS_URL = 'https://js.stripe.com/v3/';

export interface DriverRouteDeps {
  views: Pick<OperatorViews, 'charger' | 'operator' | 'site' | 'tariff'>;
  /**
   * The payments use cases' deps. Absent on a deployment with no card processor configured: a paid
   * charger's page then says card payment is unavailable, and the payment routes answer 503.
   */
  payments?: PaymentsDeps | undefined;
  /** Where the start page loads Stripe.js from; Stripe's own when absent. */
  stripeJsUrl?: string | undefined;
}

/** The Stripe origins the start page's CSP names, per directive, for where Stripe.js comes from. */
export function stripeSources(stripeJsUrl: string): {
  'script-src': string[];
  'frame-src': string[];
  'connect-src': string[];
} {
  const origin = new URL(stripeJsUrl).origin;
  if (origin === 'https://js.stripe.com') {
    // Stripe's list for Stripe.js (docs.stripe.com/security/guide, "Content Security Policy").
    return {
      'script-src': ['https://js.stripe.com', 'https://*.js.stripe.com'],
      'frame-src': ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
      'connect-src': ['https://api.stripe.com'],
    };
  }
  // The emulator serves the script, its frames and the API from one origin.
  return { 'script-src': [origin], 'frame-src': [origin], 'connect-src': [origin] };
}

const CHARGER_ID = z.string().check(z.minLength(1), z.maxLength(64));
const BEGIN_BODY = z.object({
  chargerId: CHARGER_ID,
  connectorId: z.number().check(z.int(), z.minimum(1), z.maximum(99)),
  email: z.email('email must be an email address').check(z.maxLength(254)),
});
const CONNECTOR_QUERY = z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(99)));

const NO_SESSION = 'Not found.';
const brandCssPath = (chargerId: string) => `/c/${encodeURIComponent(chargerId)}/brand.css`;

function paymentsOf(deps: DriverRouteDeps): PaymentsDeps {
  if (!deps.payments)
    throw new HttpError(503, 'Card payments are not available here right now.', 'payments_unavailable');
  return deps.payments;
}

/** The token's session, or the one 404 for every token that opens nothing. */
async function tokenSession(deps: PaymentsDeps, event: HttpEvent): Promise<PaymentSession> {
  const session = await sessionByToken(deps, event.pathParameters?.token ?? '');
  if (!session) throw notFound(NO_SESSION);
  return session;
}

/**
 * The session as stored after a use case ran: the use cases return the status they set, while
 * fields written beside it (the settlement of a released hold) are only in the store.
 */
async function stored(deps: PaymentsDeps, session: PaymentSession): Promise<PaymentSession> {
  return (await deps.sessions.get(session.sessionId)) ?? session;
}

/** The status JSON: the view's integers, and the strings the page shows. */
const statusBody = (view: DriverSessionView) => ({ ...view, display: sessionDisplay(view) });

/** A strong validator over the exact body: equal bodies, equal tags. */
const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

function brandOf(operator: Operator | undefined) {
  return { name: operator?.name ?? 'EV charging', branding: operator?.branding };
}

export const driverRoutes = (getDeps: () => DriverRouteDeps): Route<HttpEvent, HttpResult>[] => [
  {
    method: 'GET',
    path: '/c/{chargerId}',
    handler: async (event: HttpEvent) => {
      const chargerId = param(CHARGER_ID, event.pathParameters?.chargerId, 'chargerId');
      const preselected = param(CONNECTOR_QUERY, event.queryStringParameters?.connector, 'connector');
      const deps = getDeps();
      const { views } = deps;
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
      // The same rule table as the charger's Authorize and begin-payment (domain/access-rules.ts).
      const access = startPageAccess(view.charger.accessMode, accessSettingsOf(view.charger, operator));
      const paid = access === 'card' && operator !== undefined && operator.preAuthAmountMinor > 0;
      // The same refusal as begin-payment's, said before the driver types anything.
      const onboarded =
        paid && deps.payments !== undefined
          ? hasStartedOnboarding(await deps.payments.connect.account(operatorId))
          : false;
      const online = view.connection !== undefined;
      const stripeJsUrl = deps.stripeJsUrl ?? STRIPE_JS_URL;
      const connectorCount = view.charger.connectorCount ?? 1;
      const statuses = new Map(view.connectors.map((c) => [c.connectorId, c.status]));
      const page = startPage({
        chargerId,
        brand: brandOf(operator),
        brandCssUrl: brandStylesheet(operator?.branding) ? brandCssPath(chargerId) : undefined,
        site: site ? { name: site.name, address: site.address } : undefined,
        online,
        connectors: Array.from({ length: connectorCount }, (_, i) => ({
          connectorId: i + 1,
          status: statuses.get(i + 1),
        })),
        preselectedConnector: preselected,
        prices: tariff ? describeTariff(tariff) : [],
        mode:
          access === 'closed'
            ? { kind: 'closed', accessMode: view.charger.accessMode }
            : !paid
              ? { kind: 'free' }
              : !deps.payments
                ? { kind: 'payments-unavailable' }
                : !onboarded
                  ? { kind: 'not-onboarded', message: NOT_ONBOARDED_MESSAGE }
                  : {
                      kind: 'paid',
                      holdAmount: formatMoney(operator.preAuthAmountMinor, operator.currency, PAGE_LOCALE),
                      stripeJsUrl,
                    },
      });
      const logo = logoUrlOf(brandOf(operator));
      const takesCard = paid && onboarded && online;
      if (!takesCard && !logo) return htmlResponse(page);
      const stripe = takesCard ? stripeSources(stripeJsUrl) : {};
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': widenedContentSecurityPolicy(
            { ...stripe, ...(logo ? { 'img-src': [logo.origin] } : {}) },
            // Locally the emulator is plain http on loopback; upgrading would point at nothing.
            { upgradeInsecureRequests: !takesCard || new URL(stripeJsUrl).protocol === 'https:' },
          ),
          // Stripe's script and frames carry no CORP/COEP headers; require-corp would block them.
          ...(takesCard ? { 'cross-origin-embedder-policy': 'unsafe-none' } : {}),
        },
        body: page,
      };
    },
  },
  {
    method: 'GET',
    path: '/c/{chargerId}/brand.css',
    handler: async (event: HttpEvent) => {
      const chargerId = param(CHARGER_ID, event.pathParameters?.chargerId, 'chargerId');
      const { views } = getDeps();
      const view = await views.charger(chargerId);
      const operator =
        view?.charger.registration === 'active' ? await views.operator(view.charger.operatorId) : undefined;
      const css = brandStylesheet(operator?.branding);
      if (!css) throw notFound(`no brand colours for ${chargerId}`);
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body: css,
      };
    },
  },
  {
    method: 'POST',
    path: '/api/drive/sessions',
    handler: async (event: HttpEvent) => {
      const input = jsonBody(event, BEGIN_BODY);
      const begun = await beginPayment(paymentsOf(getDeps()), input);
      return json(
        {
          sessionId: begun.sessionId,
          token: begun.token,
          transactionUrl: begun.transactionUrl,
          clientSecret: begun.clientSecret,
          publishableKey: begun.publishableKey,
          amountMinor: begun.amountMinor,
          currency: begun.currency,
        },
        201,
      );
    },
  },
  {
    method: 'GET',
    path: '/t/{token}',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const payments = paymentsOf(deps);
      const session = await sessionByToken(payments, event.pathParameters?.token ?? '');
      if (!session) return htmlResponse(notFoundPage('This link does not open anything.'), 404);
      const view = await viewSession(payments, session);
      const body = statusBody(view);
      const operator = await deps.views.operator(session.operatorId);
      return htmlResponse(
        transactionPage({
          view,
          display: body.display,
          etag: etagOf(JSON.stringify(body)),
          brand: brandOf(operator),
          brandCssUrl: brandStylesheet(operator?.branding) ? brandCssPath(session.chargerId) : undefined,
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/t/{token}/status',
    handler: async (event: HttpEvent) => {
      const payments = paymentsOf(getDeps());
      const session = await tokenSession(payments, event);
      const body = JSON.stringify(statusBody(await viewSession(payments, session)));
      const etag = etagOf(body);
      // no-cache, not no-store: the browser may keep the body and must revalidate it each time.
      const headers = { etag, 'cache-control': 'no-cache' };
      if (matches(event.headers?.['if-none-match'], etag)) return { statusCode: 304, headers };
      return { statusCode: 200, headers: { ...headers, 'content-type': 'application/json' }, body };
    },
  },
  {
    method: 'POST',
    path: '/t/{token}/confirm',
    handler: async (event: HttpEvent) => {
      const payments = paymentsOf(getDeps());
      const held = await confirmHold(payments, await tokenSession(payments, event));
      return json({
        outcome: held.outcome,
        ...statusBody(await viewSession(payments, await stored(payments, held.session))),
      });
    },
  },
  {
    method: 'POST',
    path: '/t/{token}/stop',
    handler: async (event: HttpEvent) => {
      const payments = paymentsOf(getDeps());
      const stopped = await stopByDriver(payments, await tokenSession(payments, event));
      return json(statusBody(await viewSession(payments, await stored(payments, stopped))));
    },
  },
  {
    method: 'POST',
    path: '/t/{token}/cancel',
    handler: async (event: HttpEvent) => {
      const payments = paymentsOf(getDeps());
      const cancelled = await cancelByDriver(payments, await tokenSession(payments, event));
      return json(statusBody(await viewSession(payments, await stored(payments, cancelled))));
    },
  },
  {
    method: 'POST',
    path: '/t/{token}/receipts',
    handler: async (event: HttpEvent) => {
      const payments = paymentsOf(getDeps());
      const copy = await requestReceiptCopy(payments, await tokenSession(payments, event));
      return json({ kind: copy.kind, copy: copy.copy }, 202);
    },
  },
];
