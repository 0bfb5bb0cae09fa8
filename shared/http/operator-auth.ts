/**
 * Authentication of the operator API, once per request and in one place: every `/api/v1` route is
 * built through `authenticated`, which resolves the caller to an operator (and, for a person, the
 * user) before the route runs and hands the route its request with them on it. Routes never read
 * the credentials themselves, and a route cannot reach operatorRoutes' output without passing here.
 *
 * Two credentials, one code path (`callerOf`):
 * - `Authorization: Bearer <key>`, for machines: an API key, stored only as its SHA-256;
 * - the session cookie, for people signed in to the console (shared/app/users/sign-in.ts): an
 *   opaque random id, stored only as its SHA-256. A cookie is sent by the browser on its own, so a
 *   state-changing request with it must also carry the session's CSRF token in `x-csrf-token` (a
 *   page of another site cannot read it), and a browser's `Origin`, when sent, must be this host.
 *   SameSite=Strict already keeps the cookie off cross-site requests; the token is the second wall.
 *
 * A wrapper around each route rather than a middleware in front of the router, so that a path no
 * route serves still answers 404 `route_not_found` without a key, as it always has.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Method, Route } from '@middy/http-router';
import { liveSession, type SignInDeps } from '../app/users/sign-in.js';
import { HttpError, unauthorized } from '../lambda/http-errors.js';
import type { Clock } from '../ports/clock.js';
import type { OperatorViews } from '../ports/operator-views.js';
import type { UserRole } from '../ports/users.js';
import type { HttpEvent, HttpResult } from './responses.js';

/** What an operator API route receives: the event, the operator, and the signed-in user if any. */
export interface OperatorRequest {
  event: HttpEvent;
  operatorId: string;
  /** Present when a person's session made the request; absent for an API key. */
  userId?: string;
  /** The signed-in user's role, read on each request (app/users/roles.ts decides what it allows). */
  role?: UserRole;
  /** The session's id as the cookie holds it (sign-out ends it), and its CSRF token. */
  sessionId?: string;
  csrfToken?: string;
}

export interface OperatorRoute {
  method: Method;
  path: string;
  handler: (request: OperatorRequest) => Promise<HttpResult>;
}

/** What the checks read: the key's record, the sessions, and the time they are judged at. */
export interface ApiKeyLookup extends SignInDeps {
  views: Pick<OperatorViews, 'operatorForApiKey'>;
  clock: Clock;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The session cookie's name. `__Host-` would pin Secure and Path=/, which the local http:// lacks. */
export const SESSION_COOKIE = 'evc_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Session cookies last at most the absolute session timeout; the server decides sooner. */
const COOKIE_MAX_AGE_SECONDS = 12 * 3600;

/**
 * Whether cookies carry `Secure`: always, except when the platform is served on plain
 * http://127.0.0.1 on one machine (PUBLIC_BASE_URL), where a Secure cookie would not come back.
 * The one place this is decided.
 */
export function cookieSecure(publicBaseUrl: string): boolean {
  const url = new URL(publicBaseUrl);
  return !(url.protocol === 'http:' && url.hostname === '127.0.0.1');
}

/** `Set-Cookie` for a new session, or (value undefined) one that removes it. */
export function sessionCookie(sessionId: string | undefined, publicBaseUrl: string): string {
  const attributes = [
    `${SESSION_COOKIE}=${sessionId ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${sessionId === undefined ? 0 : COOKIE_MAX_AGE_SECONDS}`,
  ];
  if (cookieSecure(publicBaseUrl)) attributes.push('Secure');
  return attributes.join('; ');
}

/** The session id the request's cookies hold (API Gateway v2 moves them to `event.cookies`). */
export function sessionIdOf(event: HttpEvent): string | undefined {
  const cookies = event.cookies ?? event.headers.cookie?.split(/;\s*/) ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.split('=');
    if (name?.trim() === SESSION_COOKIE && value.length) return value.join('=').trim() || undefined;
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

const forbidden = (message: string) => new HttpError(403, message, 'csrf_refused');

/** Refuses a state-changing cookie request without the session's CSRF token or from another origin. */
export function checkCsrf(event: HttpEvent, csrfToken: string): void {
  if (SAFE_METHODS.has(event.requestContext.http.method.toUpperCase())) return;
  const origin = event.headers.origin;
  // A browser sends Origin on every state-changing request; `null` is an opaque (sandboxed) one.
  if (origin !== undefined && hostOf(origin) !== event.headers.host)
    throw forbidden('the request comes from another origin');
  const sent = event.headers[CSRF_HEADER];
  if (!sent || !sameToken(sent, csrfToken))
    throw forbidden(`send the session's CSRF token in the ${CSRF_HEADER} header`);
}

/**
 * Who is calling: an API key's operator, or a signed-in user's. Throws 401 for a missing, unknown,
 * revoked or ended credential, 403 for a cookie request that fails the CSRF check. The key is read
 * from the header only, never from the URL, where logs and browser history would keep it.
 */
export async function callerOf(
  lookup: ApiKeyLookup,
  event: HttpEvent,
): Promise<Omit<OperatorRequest, 'event'>> {
  const authorization = event.headers.authorization;
  const sessionId = authorization === undefined ? sessionIdOf(event) : undefined;
  if (sessionId !== undefined) {
    const session = await liveSession(lookup, sessionId);
    if (!session) throw unauthorized('your session has ended: sign in again');
    checkCsrf(event, session.csrfToken);
    // A removed user's sessions end with it; a changed role applies from the next request.
    const user = await lookup.users.user(session.operatorId, session.userId);
    if (!user) throw unauthorized('your session has ended: sign in again');
    return {
      operatorId: session.operatorId,
      userId: session.userId,
      role: user.role,
      sessionId,
      csrfToken: session.csrfToken,
    };
  }
  const key = BEARER.exec(authorization ?? '')?.[1];
  if (!key) throw unauthorized('sign in, or send the operator API key as "Authorization: Bearer <key>"');
  const operatorId = await lookup.views.operatorForApiKey(
    createHash('sha256').update(key).digest('hex'),
    lookup.clock.now(),
  );
  if (!operatorId) throw unauthorized();
  return { operatorId };
}

/** The routes, each behind the caller check. `lookup` is read per request (see perConfig). */
export function authenticated(
  lookup: () => ApiKeyLookup,
  routes: readonly OperatorRoute[],
): Route<HttpEvent, HttpResult>[] {
  return routes.map(({ method, path, handler }) => ({
    method,
    path,
    handler: async (event: HttpEvent) => handler({ event, ...(await callerOf(lookup(), event)) }),
  }));
}
