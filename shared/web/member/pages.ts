/**
 * The member pages (`/m`), in the driver pages' shell and styles (shared/web/driver/): the
 * operator's branding on top, server-rendered in full. Forms post with the member session's CSRF
 * token; money and energy are display strings made by the routes from integers. The only script is
 * the start page's card script (driver-start.js), on a start page where the member pays by card:
 * the form carries the same element ids as the public start page's, and `data-begin` points the
 * script at the member's own begin route.
 */
import type { AccessRefusal } from '../../domain/access-rules.js';
import { type DriverBrand, driverShell } from '../driver/layout.js';
import { html, type Raw } from '../html.js';

export interface MemberSessionRow {
  when: string;
  charger: string;
  energy: string;
  /** Each component of the charge with its gross amount, e.g. "Energy: £3.20". */
  components: string[];
  total: string;
  /** How it was paid, in the member's words. */
  paid: string;
  status: 'active' | 'stopped' | 'final';
}

const shell = (title: string, brand: DriverBrand, body: Raw, brandCssUrl?: string) =>
  driverShell({ title, brand, body, brandCssUrl });

export function memberAcceptPage(input: {
  token: string;
  email: string;
  groupName: string;
  brand: DriverBrand;
}): string {
  return shell(
    `Join ${input.groupName}`,
    input.brand,
    html`<section class="card"><h1>Welcome to ${input.groupName}</h1>
<p>${input.brand.name} invites <strong>${input.email}</strong> to charge as a member of ${input.groupName}.</p>
<p class="muted">No password: this link from your email is your key. It works once; your member page stays open on this device for 30 days.</p>
<form method="post" action="/m/accept"><input type="hidden" name="token" value="${input.token}">
<button type="submit">Open my member page</button></form></section>`,
  );
}

export function memberGonePage(brand: DriverBrand = { name: 'EV charging' }): string {
  return shell(
    'Link not valid',
    brand,
    html`<section class="card"><h1>This link no longer works</h1>
<p>Invitation links work once and for 7 days. If you have not opened your member page on this device yet, ask the operator of your charging group to invite you again.</p></section>`,
  );
}

export function memberSignedOutPage(): string {
  return shell(
    'Member page',
    { name: 'EV charging' },
    html`<section class="card"><h1>You are not signed in</h1>
<p>Open the link in your invitation email to reach your member page. If it was used already or has expired, ask the operator of your charging group for a new invitation.</p></section>`,
  );
}

export function memberHomePage(input: {
  brand: DriverBrand;
  brandCssUrl?: string | undefined;
  groupName: string;
  email?: string | undefined;
  idTags: string[];
  sessions: MemberSessionRow[];
  csrfToken: string;
  notice?: string | undefined;
}): string {
  const sessions = input.sessions.length
    ? html`<table class="lines"><thead><tr><th scope="col">Session</th><th scope="col">Energy</th><th scope="col">Charge</th><th scope="col">Paid</th></tr></thead><tbody>${input.sessions.map(
        (s) =>
          html`<tr><th scope="row">${s.when}<span class="line-note">${s.charger}${
            s.status === 'active' ? ' · charging now' : s.status === 'stopped' ? ' · being finalised' : ''
          }</span></th><td data-label="Energy">${s.energy}</td><td data-label="Charge">${s.total}${s.components.map(
            (c) => html`<span class="line-note">${c}</span>`,
          )}</td><td data-label="Paid">${s.paid}</td></tr>`,
      )}</tbody></table>`
    : html`<p>No sessions yet. Your sessions at the group's chargers show here.</p>`;
  const tags = input.idTags.length
    ? html`<ul>${input.idTags.map((t) => html`<li><code>${t}</code></li>`)}</ul>`
    : html`<p>No RFID card yet: start sessions from this page (scan the QR code on a charger).</p>`;
  return shell(
    `${input.groupName}: member page`,
    input.brand,
    html`${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : html``}
<section class="card"><h1>${input.groupName}</h1><p class="muted">Member${input.email ? html` · ${input.email}` : html``}</p>
<p>To charge, scan the QR code on one of the group's chargers: its page lets you start as a member.</p></section>
<section class="card"><h2>Your sessions</h2>${sessions}</section>
<section class="card"><h2>Your RFID cards</h2>${tags}</section>
<section class="card"><form method="post" action="/m/sign-out"><input type="hidden" name="csrf" value="${input.csrfToken}"><button type="submit" class="secondary">Sign out on this device</button></form></section>`,
    input.brandCssUrl,
  );
}

const REFUSED: Record<AccessRefusal, string> = {
  'not-admitted': 'This charger is not one of your group’s chargers.',
  'member-billing-off':
    'This charger takes payment, but card payments cannot be taken here right now and the operator does not bill members. Please try again later or ask the operator.',
  'pay-on-start-page': 'This charger takes card payment on its public page.',
  'no-payment-taken': 'This charger cannot be started from here.',
};

export function memberStartPage(input: {
  brand: DriverBrand;
  brandCssUrl?: string | undefined;
  groupName: string;
  chargerId: string;
  connectors: { connectorId: number; state: string }[];
  /**
   * The terms the member charges on, or why they may not; `card`: they pay by card, a hold of
   * `holdAmount` taken through Stripe.js from `stripeJsUrl`, receipts to `email`.
   */
  access:
    | { allowed: true; terms: string }
    | { allowed: true; card: { holdAmount: string; stripeJsUrl: string; email: string; online: boolean } }
    | { allowed: false; refusal: AccessRefusal };
  csrfToken: string;
  error?: string | undefined;
}): string {
  const access = input.access;
  const form = !access.allowed
    ? html`<p class="notice">${REFUSED[access.refusal]}</p>`
    : 'card' in access
      ? cardForm(input, access.card)
      : html`<p class="hold">${access.terms}</p>
<form method="post" action="/m/start/${encodeURIComponent(input.chargerId)}"><input type="hidden" name="csrf" value="${input.csrfToken}">
<fieldset><legend>Connector</legend>${connectorChoices(input.connectors, 'connectorId')}</fieldset>
<button type="submit">Start charging</button></form>`;
  const scripts =
    access.allowed && 'card' in access && access.card.online
      ? [access.card.stripeJsUrl, '/assets/driver-start.js']
      : [];
  return driverShell({
    title: `Charge at ${input.chargerId}`,
    brand: input.brand,
    brandCssUrl: input.brandCssUrl,
    scripts,
    body: html`<section class="card"><h1>${input.chargerId}</h1><p class="muted">As a member of ${input.groupName}</p>
${input.error ? html`<p class="message" role="alert">${input.error}</p>` : html``}${form}
<p><a href="/m">Back to your member page</a></p></section>`,
  });
}

function connectorChoices(connectors: { connectorId: number; state: string }[], name: string): Raw {
  return html`${connectors.map(
    (c, i) =>
      html`<div class="choice"><input type="radio" name="${name}" id="c${c.connectorId}" value="${c.connectorId}"${
        i === 0 ? html` checked` : html``
      }><label for="c${c.connectorId}">Connector ${c.connectorId}<span class="state">${c.state}</span></label></div>`,
  )}`;
}

/**
 * The member's card form: the ids the start page's script (driver-start.js) drives, the email
 * fixed to the member's (receipts go there), the begin request to the member route with the CSRF
 * token. The hold is taken at the group price: the terms say so.
 */
function cardForm(
  input: { chargerId: string; connectors: { connectorId: number; state: string }[]; csrfToken: string },
  card: { holdAmount: string; email: string; online: boolean },
): Raw {
  const id = encodeURIComponent(input.chargerId);
  const disabled = !card.online;
  return html`<form id="start" data-charger="${input.chargerId}" data-begin="/m/start/${id}/card" data-csrf="${input.csrfToken}" novalidate>
<p class="hold">You pay by card at the group price. We hold ${card.holdAmount} on your card; you pay only for what you use, and the rest is released when you finish.</p>
${disabled ? html`<p class="notice" id="offline">This charger is offline, so it cannot start now. Please try again later.</p>` : html``}
<fieldset id="details"${disabled ? html` disabled` : html``}><legend>Connector</legend>${connectorChoices(input.connectors, 'connector')}
<label for="email">Receipts go to</label>
<input id="email" name="email" type="email" value="${card.email}" readonly></fieldset>
<div id="card" hidden><h3 id="card-heading" tabindex="-1">Card</h3><div id="payment-element"></div></div>
<p id="message" class="message" role="alert"></p>
<button id="continue" type="submit"${disabled ? html` disabled` : html``}>Continue to card details</button>
<button id="start-charging" type="submit" hidden>Start charging</button>
</form>`;
}
