/**
 * The member pages (`/m`): a closed group's member follows the emailed invitation, lands on their
 * member page (their sessions, their RFID cards) and starts sessions at the group's chargers. Thin:
 * each route calls one use case of app/members/member-page.ts and renders web/member/pages.ts.
 *
 * The member session is a cookie of its own (`evc_member`), apart from the operators' session in
 * name and in scope: `Path=/m`, so no operator API request carries it and no member page request
 * carries the operators'. HttpOnly, SameSite=Strict and Secure like the operators' (Secure is left
 * off only on http://127.0.0.1, decided once in operator-auth.ts `cookieSecure`). Every form post
 * carries the session's CSRF token and, when the browser sends one, an Origin of this host.
 *
 * Invitation links are followed with a GET that only shows a button: mail scanners fetch links,
 * and a single-use link spent by a GET would be spent by the scanner. The POST spends it.
 *
 * Where the member pays by card, the start page runs the public start page's card script against
 * `POST /m/start/{chargerId}/card` (JSON, the CSRF token in the body), which answers as
 * `POST /api/drive/sessions` does; from there the driver's Transaction URL routes take over.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Route } from '@middy/http-router';
import * as z from 'zod';
import {
  acceptMemberInvitation,
  beginMemberCardPayment,
  endMemberSession,
  liveMember,
  type MemberPageDeps,
  type MemberSessionView,
  memberAccessAt,
  memberInvitation,
  memberSessions,
  startAsMember,
} from '../app/members/member-page.js';
import type { AccessDecision } from '../domain/access-rules.js';
import type { Operator } from '../domain/entities.js';
import { HttpError } from '../lambda/http-errors.js';
import type { MemberRecord, MemberSessionRecord } from '../ports/members.js';
import { PAGE_LOCALE } from '../web/driver/display.js';
import { formatDateTime, formatKwh, formatMoney } from '../web/format.js';
import {
  type MemberSessionRow,
  memberAcceptPage,
  memberGonePage,
  memberHomePage,
  memberSignedOutPage,
  memberStartPage,
} from '../web/member/pages.js';
import { STRIPE_JS_URL, stripeSources } from './driver-routes.js';
import { transactionOut } from './openapi/resources.js';
import { cookieSecure } from './operator-auth.js';
import { type HttpEvent, type HttpResult, htmlResponse, json, jsonBody } from './responses.js';
import { widenedContentSecurityPolicy } from './security-headers.js';

export interface MemberRouteDeps extends MemberPageDeps {
  publicBaseUrl: string;
  /** Where a card start page loads Stripe.js from; Stripe's own when absent. */
  stripeJsUrl?: string | undefined;
}

const CARD_BODY = z.object({
  connectorId: z.number().int().min(1).max(99),
  csrf: z.string().max(200),
});

export const MEMBER_COOKIE = 'evc_member';
const MEMBER_COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;

export function memberCookie(sessionId: string | undefined, publicBaseUrl: string): string {
  const attributes = [
    `${MEMBER_COOKIE}=${sessionId ?? ''}`,
    'Path=/m',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${sessionId === undefined ? 0 : MEMBER_COOKIE_MAX_AGE_SECONDS}`,
  ];
  if (cookieSecure(publicBaseUrl)) attributes.push('Secure');
  return attributes.join('; ');
}

function memberSessionIdOf(event: HttpEvent): string | undefined {
  const cookies = event.cookies ?? event.headers.cookie?.split(/;\s*/) ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.split('=');
    if (name?.trim() === MEMBER_COOKIE && value.length) return value.join('=').trim() || undefined;
  }
  return undefined;
}

function formOf(event: HttpEvent): URLSearchParams {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  return new URLSearchParams(text ?? '');
}

const seeOther = (location: string, cookies?: string[]): HttpResult => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  ...(cookies ? { cookies } : {}),
});

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** A member form post: from this host (when the browser says), with the session's token. */
function checkMemberForm(event: HttpEvent, form: URLSearchParams, session: MemberSessionRecord): void {
  checkMemberRequest(event, form.get('csrf') ?? '', session);
}

function checkMemberRequest(event: HttpEvent, csrf: string, session: MemberSessionRecord): void {
  const origin = event.headers.origin;
  let host: string | undefined;
  try {
    host = origin === undefined ? event.headers.host : new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== event.headers.host)
    throw new HttpError(403, 'the request comes from another origin', 'csrf_refused');
  if (!sameToken(csrf, session.csrfToken))
    throw new HttpError(403, 'the form has expired: reload the page and try again', 'csrf_refused');
}

const brandOf = (operator: Operator | undefined) => ({
  name: operator?.name ?? 'EV charging',
  branding: operator?.branding,
});

const STATES: Record<string, string> = {
  Available: 'Free',
  Preparing: 'Plugged in, ready',
  Charging: 'In use',
  SuspendedEV: 'In use',
  SuspendedEVSE: 'In use',
  Finishing: 'Finishing',
  Reserved: 'Reserved',
  Unavailable: 'Out of service',
  Faulted: 'Out of order',
};

/** The terms the rule table's decision gives, in the member's words. */
function termsOf(decision: Extract<AccessDecision, { allowed: true }>): string {
  switch (decision.payment) {
    case 'billed-to-member':
      return 'Your session is billed to you at the group price: no card needed.';
    case 'none':
      return 'Charging here costs you nothing.';
    default:
      return 'You can start here as a member.';
  }
}

/** How a session was paid, in the member's words. */
function paidBy(
  { tx, card }: MemberSessionView,
  money: (minor: number, currency?: string) => string,
): string {
  if (card) {
    const { settlement } = card;
    if (settlement?.outcome === 'captured')
      return `Paid by card: ${money(settlement.capturedMinor, card.currency)}`;
    if (settlement?.outcome === 'cancelled') return 'Card hold released: nothing taken';
    return `Card: ${money(card.preAuthAmountMinor, card.currency)} held until the session is final`;
  }
  // A member's tag is admitted billed to them or with nothing taken (access-rules.ts memberCell).
  return typeof tx.billedTo === 'object' && tx.billedTo !== null ? 'Billed to you' : 'Nothing taken';
}

function sessionRow(view: MemberSessionView, timeZone: string): MemberSessionRow {
  const out = transactionOut(view.tx);
  const currency = out.charge?.totals.currency ?? view.card?.currency ?? 'GBP';
  const money = (minor: number, inCurrency = currency) => formatMoney(minor, inCurrency, PAGE_LOCALE);
  const startedMs = out.startedAt ? Date.parse(out.startedAt) : undefined;
  return {
    when:
      startedMs !== undefined
        ? formatDateTime(Math.floor(startedMs / 1000), timeZone, PAGE_LOCALE)
        : 'Start not known',
    charger: `${out.chargerId}${out.connectorId ? `, connector ${out.connectorId}` : ''}`,
    energy: formatKwh(out.energyMilliWh ?? 0, PAGE_LOCALE),
    components: (out.charge?.lines ?? []).map(
      (line) =>
        `${line.label ?? line.component.charAt(0) + line.component.slice(1).toLowerCase()}: ${money(line.grossMinor)}`,
    ),
    total: out.charge ? money(out.charge.totals.grossMinor) : '—',
    paid: paidBy(view, money),
    status: out.status,
  };
}

/** The signed-in member; undefined when the session ended or the member was removed. */
async function signedIn(
  deps: MemberRouteDeps,
  event: HttpEvent,
): Promise<{ session: MemberSessionRecord; member: MemberRecord } | undefined> {
  const sessionId = memberSessionIdOf(event);
  return sessionId ? liveMember(deps, sessionId) : undefined;
}

const signedOut = () => htmlResponse(memberSignedOutPage(), 401);

async function startPage(
  deps: MemberRouteDeps,
  live: { session: MemberSessionRecord; member: MemberRecord },
  chargerId: string,
  error?: string,
): Promise<HttpResult> {
  const access = await memberAccessAt(deps, live.member, chargerId);
  const group = await deps.members.group(live.member.operatorId, live.member.groupId);
  if (!access) return htmlResponse(memberGonePage(), 404);
  const view = await deps.views.charger(chargerId);
  const count = access.charger.connectorCount ?? 1;
  const connectors = Array.from({ length: count }, (_, i) => {
    const status = view?.connectors.find((c) => c.connectorId === i + 1)?.status;
    return { connectorId: i + 1, state: (status && STATES[status]) ?? 'State not known' };
  });
  const { decision, operator } = access;
  const stripeJsUrl = deps.stripeJsUrl ?? STRIPE_JS_URL;
  const online = view?.connection !== undefined;
  // memberAccessAt offers a card only with a card processor and a hold amount.
  const card =
    decision.allowed && decision.payment === 'pre-auth' && operator && live.member.email
      ? {
          holdAmount: formatMoney(operator.preAuthAmountMinor, operator.currency, PAGE_LOCALE),
          stripeJsUrl,
          email: live.member.email,
          online,
        }
      : undefined;
  const page = memberStartPage({
    brand: brandOf(operator),
    groupName: group?.name ?? live.member.groupId,
    chargerId,
    connectors,
    access: !decision.allowed
      ? { allowed: false, refusal: decision.refusal }
      : card
        ? { allowed: true, card }
        : { allowed: true, terms: termsOf(decision) },
    csrfToken: live.session.csrfToken,
    error,
  });
  const statusCode = error ? 409 : 200;
  if (!card?.online) return htmlResponse(page, statusCode);
  // As the public start page: Stripe's script and frames, which carry no CORP/COEP headers.
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': widenedContentSecurityPolicy(stripeSources(stripeJsUrl), {
        upgradeInsecureRequests: new URL(stripeJsUrl).protocol === 'https:',
      }),
      'cross-origin-embedder-policy': 'unsafe-none',
    },
    body: page,
  };
}

const START_ERRORS = {
  offline: 'The charger is offline right now, so it cannot start. Please try again later.',
  'no-charger': 'There is no such charger in your group.',
} as const;

export const memberRoutes = (getDeps: () => MemberRouteDeps): Route<HttpEvent, HttpResult>[] => [
  {
    method: 'GET',
    path: '/m/accept',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const token = event.queryStringParameters?.token ?? '';
      const invitation = token ? await memberInvitation(deps, token) : undefined;
      if (!invitation) return htmlResponse(memberGonePage(), 404);
      return htmlResponse(
        memberAcceptPage({
          token,
          email: invitation.email,
          groupName: invitation.group.name,
          brand: brandOf(invitation.operator),
        }),
      );
    },
  },
  {
    method: 'POST',
    path: '/m/accept',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const result = await acceptMemberInvitation(deps, formOf(event).get('token') ?? '');
      if (result.outcome === 'no-invitation') return htmlResponse(memberGonePage(), 404);
      return seeOther('/m', [memberCookie(result.sessionId, deps.publicBaseUrl)]);
    },
  },
  {
    method: 'GET',
    path: '/m',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const live = await signedIn(deps, event);
      if (!live) return signedOut();
      const { member } = live;
      const [operator, group, sessions] = await Promise.all([
        deps.views.operator(member.operatorId),
        deps.members.group(member.operatorId, member.groupId),
        memberSessions(deps, member),
      ]);
      const timeZone = operator?.timeZone ?? 'UTC';
      const started = event.queryStringParameters?.started;
      return htmlResponse(
        memberHomePage({
          brand: brandOf(operator),
          groupName: group?.name ?? member.groupId,
          email: member.email,
          idTags: member.idTags,
          sessions: sessions.map((session) => sessionRow(session, timeZone)),
          csrfToken: live.session.csrfToken,
          notice: started
            ? `Charging is starting at ${started}. It shows here once the charger reports it.`
            : undefined,
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/m/start/{chargerId}',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const live = await signedIn(deps, event);
      if (!live) return signedOut();
      return startPage(deps, live, event.pathParameters?.chargerId ?? '');
    },
  },
  {
    method: 'POST',
    path: '/m/start/{chargerId}',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const live = await signedIn(deps, event);
      if (!live) return signedOut();
      const form = formOf(event);
      checkMemberForm(event, form, live.session);
      const chargerId = event.pathParameters?.chargerId ?? '';
      const connectorId = Number.parseInt(form.get('connectorId') ?? '1', 10);
      const result = await startAsMember(
        deps,
        live.member,
        chargerId,
        Number.isSafeInteger(connectorId) ? connectorId : 0,
      );
      switch (result.outcome) {
        case 'started':
          return seeOther(`/m?started=${encodeURIComponent(chargerId)}`);
        case 'refused':
          return startPage(deps, live, chargerId);
        case 'no-connector':
          return startPage(deps, live, chargerId, `Choose a connector from 1 to ${result.connectors}.`);
        case 'charger-refused':
          return startPage(
            deps,
            live,
            chargerId,
            `The charger did not start (${result.detail}). Check the cable and try again.`,
          );
        default:
          return startPage(deps, live, chargerId, START_ERRORS[result.outcome]);
      }
    },
  },
  {
    method: 'POST',
    path: '/m/start/{chargerId}/card',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const live = await signedIn(deps, event);
      if (!live) throw new HttpError(401, 'Open your member page again to start.', 'member_signed_out');
      const body = jsonBody(event, CARD_BODY);
      checkMemberRequest(event, body.csrf, live.session);
      const chargerId = event.pathParameters?.chargerId ?? '';
      const result = await beginMemberCardPayment(deps, live.member, chargerId, body.connectorId);
      if (result.outcome === 'no-charger')
        throw new HttpError(404, START_ERRORS['no-charger'], 'charger_not_found');
      if (result.outcome === 'refused')
        throw new HttpError(409, 'This charger does not take your card here.', 'charger_not_payable');
      const { payment } = result;
      // The answer of POST /api/drive/sessions, which the card script reads.
      return json(
        {
          sessionId: payment.sessionId,
          token: payment.token,
          transactionUrl: payment.transactionUrl,
          clientSecret: payment.clientSecret,
          publishableKey: payment.publishableKey,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
        },
        201,
      );
    },
  },
  {
    method: 'POST',
    path: '/m/sign-out',
    handler: async (event: HttpEvent) => {
      const deps = getDeps();
      const sessionId = memberSessionIdOf(event);
      const live = sessionId ? await liveMember(deps, sessionId) : undefined;
      if (live && sessionId) {
        checkMemberForm(event, formOf(event), live.session);
        await endMemberSession(deps, sessionId);
      }
      return seeOther('/m', [memberCookie(undefined, deps.publicBaseUrl)]);
    },
  },
];
