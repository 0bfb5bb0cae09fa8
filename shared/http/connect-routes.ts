/**
 * The operator's onboarding pages (`/connect/*`): the platform's own invitation link, Stripe's
 * `refresh_url` and `return_url`, and the sign-in they send a visitor without a session to. Each one
 * needs the operator's console session (password and second factor, shared/app/users/sign-in.ts),
 * read from its cookie here; without one the browser goes to sign in and comes back. Only GETs:
 * Stripe and email links arrive as GETs, and none of them changes anything but minting a link.
 */
import type { Route } from '@middy/http-router';
import type { ConnectDeps } from '../app/connect/deps.js';
import { ConnectError } from '../app/connect/errors.js';
import {
  openOnboardingLink,
  refreshAccountLink,
  returnFromOnboarding,
  type SignedInUser,
} from '../app/connect/onboarding.js';
import { liveSession, type SignInDeps } from '../app/users/sign-in.js';
import { notFound } from '../lambda/http-errors.js';
import { expiredLinkPage, invalidLinkPage, returnPage, signInPage } from '../web/connect/pages.js';
import { html, page } from '../web/html.js';
import { sessionIdOf } from './operator-auth.js';
import { type HttpEvent, type HttpResult, htmlResponse } from './responses.js';

export interface ConnectRouteDeps extends SignInDeps {
  connect?: ConnectDeps | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const seeOther = (location: string): HttpResult => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  body: '',
});

const toSignIn = (next: string) => seeOther(`/connect/sign-in?next=${encodeURIComponent(next)}`);

async function signedIn(deps: ConnectRouteDeps, event: HttpEvent): Promise<SignedInUser | undefined> {
  const sessionId = sessionIdOf(event);
  const session = sessionId ? await liveSession(deps, sessionId) : undefined;
  return session ? { operatorId: session.operatorId, userId: session.userId } : undefined;
}

/** A signed-in user who is not an owner sees why, as a page (these are browser routes). */
function ownerOnlyPage(err: ConnectError): HttpResult {
  return htmlResponse(
    page({
      title: 'Owner sign-in needed',
      subtitle: 'getting paid',
      body: html`<div class="card"><h1>Owner sign-in needed</h1><p>${err.message}.</p></div>`,
    }),
    403,
  );
}

function connectOf(deps: ConnectRouteDeps): ConnectDeps {
  if (!deps.connect) throw notFound('this deployment takes no card payments');
  return deps.connect;
}

/** Runs a page for a signed-in user, or sends the browser to sign in and back to `path`. */
function forSignedIn(
  getDeps: () => ConnectRouteDeps,
  path: (event: HttpEvent) => string,
  body: (connect: ConnectDeps, user: SignedInUser, event: HttpEvent) => Promise<HttpResult>,
) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const deps = getDeps();
    const connect = connectOf(deps);
    const user = await signedIn(deps, event);
    if (!user) return toSignIn(path(event));
    try {
      return await body(connect, user, event);
    } catch (err) {
      if (err instanceof ConnectError && err.code === 'CONNECT_OWNER_ONLY') return ownerOnlyPage(err);
      throw err;
    }
  };
}

export const connectRoutes = (getDeps: () => ConnectRouteDeps): Route<HttpEvent, HttpResult>[] => [
  {
    method: 'GET',
    path: '/connect/sign-in',
    handler: async (event: HttpEvent) => htmlResponse(signInPage(event.queryStringParameters?.next ?? '')),
  },
  {
    method: 'GET',
    path: '/connect/onboard/{token}',
    handler: async (event: HttpEvent) => {
      const token = event.pathParameters?.token ?? '';
      if (!TOKEN.test(token)) return htmlResponse(invalidLinkPage(), 404);
      return forSignedIn(
        getDeps,
        () => `/connect/onboard/${token}`,
        async (connect, user) => {
          const opened = await openOnboardingLink(connect, user, token);
          if (opened.outcome === 'redirect') return seeOther(opened.url);
          if (opened.outcome === 'expired') return htmlResponse(expiredLinkPage(opened.expiredAt), 410);
          return htmlResponse(invalidLinkPage(), 404);
        },
      )(event);
    },
  },
  {
    method: 'GET',
    path: '/connect/refresh',
    handler: forSignedIn(
      getDeps,
      () => '/connect/refresh',
      async (connect, user) => seeOther(await refreshAccountLink(connect, user)),
    ),
  },
  {
    method: 'GET',
    path: '/connect/return',
    handler: forSignedIn(
      getDeps,
      () => '/connect/return',
      async (connect, user) => htmlResponse(returnPage(await returnFromOnboarding(connect, user))),
    ),
  },
];
