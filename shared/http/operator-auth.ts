/**
 * Authentication of the operator API, once per request and in one place: every `/api/v1` route is
 * built through `authenticated`, which resolves `Authorization: Bearer <key>` to the operator before
 * the route runs and hands the route its request with the operator on it. Routes never read the
 * header themselves, and a route cannot reach operatorRoutes' output without passing through here.
 *
 * A wrapper around each route rather than a middleware in front of the router, so that a path no
 * route serves still answers 404 `route_not_found` without a key, as it always has.
 */
import { createHash } from 'node:crypto';
import type { Method, Route } from '@middy/http-router';
import { unauthorized } from '../lambda/http-errors.js';
import type { Clock } from '../ports/clock.js';
import type { OperatorViews } from '../ports/operator-views.js';
import type { HttpEvent, HttpResult } from './responses.js';

/** What an operator API route receives: the event, and the operator its API key belongs to. */
export interface OperatorRequest {
  event: HttpEvent;
  operatorId: string;
}

export interface OperatorRoute {
  method: Method;
  path: string;
  handler: (request: OperatorRequest) => Promise<HttpResult>;
}

/** What the key check reads: the key's record, and the time it is judged at (a rotated key's grace). */
export interface ApiKeyLookup {
  views: Pick<OperatorViews, 'operatorForApiKey'>;
  clock: Clock;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * The operator whose API key the request carries. Keys are stored only as their SHA-256, so a read
 * of the table does not hand out working keys. Throws 401 for a missing, malformed, unknown or
 * revoked key. The key is read from the header only, never from the URL, where logs and browser
 * history would keep it.
 */
export async function operatorOf(lookup: ApiKeyLookup, event: HttpEvent): Promise<string> {
  const key = BEARER.exec(event.headers.authorization ?? '')?.[1];
  if (!key) throw unauthorized('send the operator API key as "Authorization: Bearer <key>"');
  const operatorId = await lookup.views.operatorForApiKey(
    createHash('sha256').update(key).digest('hex'),
    lookup.clock.now(),
  );
  if (!operatorId) throw unauthorized();
  return operatorId;
}

/** The routes, each behind the API key check. `lookup` is read per request (see perConfig). */
export function authenticated(
  lookup: () => ApiKeyLookup,
  routes: readonly OperatorRoute[],
): Route<HttpEvent, HttpResult>[] {
  return routes.map(({ method, path, handler }) => ({
    method,
    path,
    handler: async (event: HttpEvent) => handler({ event, operatorId: await operatorOf(lookup(), event) }),
  }));
}
