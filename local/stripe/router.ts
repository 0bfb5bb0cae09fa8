/**
 * Minimal method + path router (`/v1/payment_intents/:id/capture`). Handlers are synchronous: the store
 * is in memory, so each request runs to completion without interleaving with another.
 */
import type { RequestContext } from './context.js';
import type { FormObject } from './form.js';

export interface ApiRequest {
  method: string;
  params: FormObject;
  path: Record<string, string>;
}

export type Handler = (ctx: RequestContext, req: ApiRequest) => unknown;

export interface RouteOptions {
  /** Requires `Authorization: Bearer sk_test_…` and honours Idempotency-Key (the Stripe API). */
  api: boolean;
  /**
   * Also accepts the publishable key (as `Authorization` or a `key` parameter, as Stripe.js sends it)
   * and answers cross-origin requests: the endpoints Stripe.js calls from a page. The handler checks
   * the object's `client_secret`.
   */
  publishable: boolean;
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  options: RouteOptions;
}

export interface RouteMatch {
  handler: Handler;
  options: RouteOptions;
  path: Record<string, string>;
}

/** A non-JSON response (HTML pages of the onboarding and 3D Secure flows, redirects). */
export class RawResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string,
  ) {}
}

export const htmlResponse = (body: string, status = 200): RawResponse =>
  new RawResponse(status, { 'Content-Type': 'text/html; charset=utf-8' }, body);

export const redirectResponse = (location: string, status = 303): RawResponse =>
  new RawResponse(status, { Location: location }, '');

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly defaults: RouteOptions = { api: true, publishable: false }) {}

  add(method: string, path: string, handler: Handler, options: Partial<RouteOptions> = {}): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((part) => {
        if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(part.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({
      method,
      pattern: new RegExp(`^${source}/?$`),
      keys,
      handler,
      options: { ...this.defaults, ...options },
    });
    return this;
  }

  get = (path: string, handler: Handler, options?: Partial<RouteOptions>) =>
    this.add('GET', path, handler, options);
  post = (path: string, handler: Handler, options?: Partial<RouteOptions>) =>
    this.add('POST', path, handler, options);
  delete = (path: string, handler: Handler, options?: Partial<RouteOptions>) =>
    this.add('DELETE', path, handler, options);

  /** Some route on this path may be called from another origin (for CORS preflight requests). */
  allowsCrossOrigin(pathname: string): boolean {
    return this.routes.some((route) => route.options.publishable && route.pattern.test(pathname));
  }

  match(method: string, pathname: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const path: Record<string, string> = {};
      for (const [i, key] of route.keys.entries()) path[key] = safeDecode(m[i + 1] ?? '');
      return { handler: route.handler, options: route.options, path };
    }
    return undefined;
  }
}

/** Malformed escapes stay as they are: the id then simply matches nothing (404). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
