/**
 * The pages' security headers beside @middy/http-security-headers. Middy writes one
 * Content-Security-Policy (and Cross-Origin-Embedder-Policy) for every HTML response from its
 * static options, after the route ran, under capitalised names, so a route cannot loosen it for
 * one page. The start page needs Stripe's origins (and a COEP that lets Stripe's frames load), every
 * other page keeps the strict default: a route sets its own value under the lower-case name, and
 * {@link routeHeadersWin} drops middy's value for any header the route set itself.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Pages load their stylesheet and script from /assets and call only the platform, so nothing
 * inline is allowed. Directives left at middy's defaults that would break the pages are turned off:
 * `sandbox` (it blocks every script), trusted types (the console renders rows with innerHTML from
 * escaped values) and `navigate-to` (browsers dropped it).
 */
export const CONTENT_SECURITY_POLICY = {
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

type Widened = 'script-src' | 'frame-src' | 'connect-src' | 'img-src';

/**
 * The default policy (as middy writes it, with its defaults for base-uri, frame-ancestors and
 * upgrade-insecure-requests) widened by the given sources for one page.
 */
export function widenedContentSecurityPolicy(
  sources: Partial<Record<Widened, readonly string[]>>,
  options: { upgradeInsecureRequests: boolean },
): string {
  const add = (directive: Widened, base: string[]) => [...base, ...(sources[directive] ?? [])].join(' ');
  const directives = [
    "default-src 'none'",
    `script-src ${add('script-src', ["'self'"])}`,
    "style-src 'self'",
    `img-src ${add('img-src', ["'self'", 'data:'])}`,
    `connect-src ${add('connect-src', ["'self'"])}`,
    ...(sources['frame-src']?.length ? [`frame-src ${add('frame-src', [])}`] : []),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(options.upgradeInsecureRequests ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

/**
 * Drops headers with no value. Middy's security headers "hide" `Server` and `X-Powered-By` by
 * setting them to undefined, which a server that stringifies every value sends as the literal word
 * (and its `Reporting-Endpoints` is an empty string when no endpoint is configured). Use before
 * httpSecurityHeaders so its hooks run after middy's, on success and on error alike.
 */
export function onlyHeadersWithValues(): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> {
  const prune = async (request: { response?: APIGatewayProxyStructuredResultV2 | null }) => {
    const headers = request.response?.headers as Record<string, unknown> | undefined;
    if (!headers) return;
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || value === null || value === '') delete headers[name];
    }
  };
  return { after: prune, onError: prune };
}

/**
 * Use before httpSecurityHeaders (middy runs `after` hooks in reverse): a header the route set under
 * its lower-case name wins over the one middy wrote under the capitalised name.
 */
export function routeHeadersWin(): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> {
  return {
    after: async (request) => {
      const headers = request.response?.headers;
      if (!headers) return;
      for (const name of Object.keys(headers)) {
        const lower = name.toLowerCase();
        if (lower !== name && lower in headers) delete headers[name];
      }
    },
  };
}
