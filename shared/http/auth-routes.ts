/**
 * Sign-in for operator users (`/api/v1/auth/*`) and the invitation page (`/console/accept`). The
 * use cases are in shared/app/users/; the zod shapes are defined here and there, beside the routes,
 * like the API key routes'. Sign-in's own routes (sign-in, second-factor, email-code, accept-invite)
 * need no credential; me, sign-out and totp go through `authenticated` like every operator route.
 *
 * Errors keep `{"error":{"code","message"}}`; a refusal for too many attempts is a 429 with
 * `retry-after`, and says until when.
 */
import type { Route } from '@middy/http-router';
import * as z from 'zod';
import {
  AcceptInviteBody,
  acceptInvitation,
  confirmTotpEnrolment,
  type InvitationDeps,
  invitationForm,
  startTotpEnrolment,
  TotpEnrolBody,
} from '../app/users/invitations.js';
import {
  beginSignIn,
  completeSecondFactor,
  EmailCodeBody,
  SecondFactorBody,
  SignInBody,
  sendEmailCode,
  signOut,
  userShapeOf,
} from '../app/users/sign-in.js';
import { badRequest, HttpError, unauthorized } from '../lambda/http-errors.js';
import { acceptInvitePage, invitationGonePage, recoveryCodesPage } from '../web/accept-invite.js';
import { type ApiKeyLookup, authenticated, type OperatorRoute, sessionCookie } from './operator-auth.js';
import {
  type HttpEvent,
  type HttpResult,
  htmlResponse,
  json,
  jsonBody,
  tooManyRequests,
} from './responses.js';

export type AuthRouteDeps = InvitationDeps & ApiKeyLookup;

/** `GET /api/v1/auth/me`: who is signed in. `user` and `csrfToken` only for a session. */
export const MeShape = z.strictObject({
  operatorId: z.string(),
  user: z
    .strictObject({ userId: z.string(), email: z.string(), role: z.enum(['owner', 'staff']) })
    .optional(),
  /** The session's CSRF token, for a page reloaded after sign-in (the cookie is HttpOnly). */
  csrfToken: z.string().optional(),
});

const lockedMessage = (untilMs: number) =>
  `too many wrong codes: sign-in to this account is locked until ${new Date(untilMs).toISOString()}; try again then`;

const sourceIpOf = (event: HttpEvent): string | undefined => event.requestContext.http.sourceIp || undefined;

function formOf(event: HttpEvent): URLSearchParams {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  return new URLSearchParams(text ?? '');
}

/** Sign-in's own routes: no credential needed, they make one. */
function signInRoutes(getDeps: () => AuthRouteDeps): Route<HttpEvent, HttpResult>[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/auth/sign-in',
      handler: async (event: HttpEvent) => {
        const deps = getDeps();
        const result = await beginSignIn(deps, jsonBody(event, SignInBody), sourceIpOf(event));
        const nowMs = deps.clock.now();
        switch (result.outcome) {
          case 'challenge':
            return json({
              challenge: result.challenge,
              methods: ['totp', 'recovery', 'email'],
              expiresAt: new Date(result.expiresAtMs).toISOString(),
            });
          case 'wrong-credentials':
            throw new HttpError(401, 'wrong email or password', 'wrong_credentials');
          case 'slow-down':
            return tooManyRequests(
              'too_many_attempts',
              `too many failed sign-ins: try again after ${new Date(result.retryAtMs).toISOString()}`,
              result.retryAtMs,
              nowMs,
            );
          case 'locked':
            return tooManyRequests('account_locked', lockedMessage(result.untilMs), result.untilMs, nowMs);
        }
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/email-code',
      handler: async (event: HttpEvent) => {
        const deps = getDeps();
        const result = await sendEmailCode(deps, jsonBody(event, EmailCodeBody).challenge);
        if (result === 'no-challenge')
          throw unauthorized('the sign-in has expired: enter your email and password again');
        if (result === 'locked')
          throw new HttpError(429, 'too many wrong codes: try later', 'account_locked');
        return json({ sent: true }, 202);
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/second-factor',
      handler: async (event: HttpEvent) => {
        const deps = getDeps();
        const result = await completeSecondFactor(deps, jsonBody(event, SecondFactorBody));
        switch (result.outcome) {
          case 'signed-in':
            return {
              statusCode: 200,
              headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
              body: JSON.stringify({ user: result.user, csrfToken: result.csrfToken }),
              cookies: [sessionCookie(result.sessionId, deps.publicBaseUrl)],
            };
          case 'no-challenge':
            throw unauthorized('the sign-in has expired: enter your email and password again');
          case 'wrong-code':
            throw new HttpError(
              401,
              `wrong code: ${result.attemptsLeft} more ${result.attemptsLeft === 1 ? 'try' : 'tries'} before sign-in is locked`,
              'wrong_code',
            );
          case 'locked':
            return tooManyRequests(
              'account_locked',
              lockedMessage(result.untilMs),
              result.untilMs,
              deps.clock.now(),
            );
        }
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/accept-invite',
      handler: async (event: HttpEvent) => {
        const result = await acceptInvitation(getDeps(), jsonBody(event, AcceptInviteBody));
        if (result.outcome === 'no-invitation')
          throw new HttpError(404, 'the invitation was used already or has expired', 'invitation_not_found');
        if (result.outcome === 'wrong-code')
          throw badRequest('the authenticator code does not match the secret', 'wrong_code');
        return json({ recoveryCodes: result.recoveryCodes }, 201);
      },
    },
    {
      method: 'GET',
      path: '/console/accept',
      handler: async (event: HttpEvent) => {
        const token = event.queryStringParameters?.token ?? '';
        const form = token ? await invitationForm(getDeps(), token) : undefined;
        if (!form) return htmlResponse(invitationGonePage(), 404);
        return htmlResponse(acceptInvitePage({ token, ...form }));
      },
    },
    {
      // The page's form post: the same use case as accept-invite, answered with a page.
      method: 'POST',
      path: '/console/accept',
      handler: async (event: HttpEvent) => {
        const deps = getDeps();
        const fields = Object.fromEntries(formOf(event));
        const parsed = AcceptInviteBody.safeParse(fields);
        const result = parsed.success ? await acceptInvitation(deps, parsed.data) : undefined;
        if (result?.outcome === 'accepted') return htmlResponse(recoveryCodesPage(result.recoveryCodes), 201);
        if (result?.outcome === 'no-invitation') return htmlResponse(invitationGonePage(), 404);
        const form = await invitationForm(deps, String(fields.token ?? ''));
        if (!form) return htmlResponse(invitationGonePage(), 404);
        const error = parsed.success
          ? 'That code did not match: scan the new QR code below and try again.'
          : (parsed.error.issues[0]?.message ?? 'check the form');
        return htmlResponse(acceptInvitePage({ token: String(fields.token), ...form, error }), 400);
      },
    },
  ];
}

/** The routes that need a signed-in caller. */
function sessionRoutes(getDeps: () => AuthRouteDeps): OperatorRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/auth/me',
      handler: async ({ operatorId, userId, csrfToken }) => {
        if (!userId) return json({ operatorId });
        const user = await getDeps().users.user(operatorId, userId);
        if (!user) throw unauthorized('your session has ended: sign in again');
        const { userId: id, email, role } = userShapeOf(user);
        return json({ operatorId, user: { userId: id, email, role }, csrfToken });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/sign-out',
      handler: async ({ sessionId }) => {
        const deps = getDeps();
        if (sessionId) await signOut(deps, sessionId);
        return {
          statusCode: 204,
          headers: { 'cache-control': 'no-store' },
          cookies: [sessionCookie(undefined, deps.publicBaseUrl)],
        };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/totp',
      handler: async ({ event, operatorId, userId }) => {
        if (!userId)
          throw new HttpError(403, 'an API key has no authenticator: sign in as a user', 'not_a_user');
        const deps = getDeps();
        const user = await deps.users.user(operatorId, userId);
        if (!user) throw unauthorized('your session has ended: sign in again');
        const body = jsonBody(event, TotpEnrolBody);
        if (body.step === 'start') return json(await startTotpEnrolment(user.email));
        const result = await confirmTotpEnrolment(deps, user, body);
        if (result.outcome === 'wrong-code')
          throw badRequest('the authenticator code does not match the secret', 'wrong_code');
        return json({ recoveryCodes: result.recoveryCodes });
      },
    },
  ];
}

/** All of sign-in's routes; the ones needing a caller behind `authenticated`. */
export function authRoutes(getDeps: () => AuthRouteDeps): Route<HttpEvent, HttpResult>[] {
  return [...signInRoutes(getDeps), ...authenticated(getDeps, sessionRoutes(getDeps))];
}
