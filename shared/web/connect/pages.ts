/**
 * The operator's pages around Stripe onboarding: sign-in on the way in, the finished page after
 * Stripe's `return_url` (what is still due, or that all is set), and an expired or unknown link.
 * Server-rendered in the house layout; the one script (sign-in) is served from /assets.
 */
import type { ConnectAccountState } from '../../ports/connect.js';
import { html, page } from '../html.js';

const SUBTITLE = 'getting paid';

/** Human names for the requirements Stripe lists most often; others show as Stripe names them. */
const REQUIREMENT_NAMES: Record<string, string> = {
  external_account: 'a bank account for payouts',
  'tos_acceptance.date': "acceptance of Stripe's terms",
  'tos_acceptance.ip': "acceptance of Stripe's terms",
  business_type: 'the kind of business',
  'business_profile.url': 'a website or description of the business',
  'business_profile.mcc': 'the business category',
};

export function signInPage(next: string): string {
  return page({
    title: 'Sign in to continue',
    subtitle: SUBTITLE,
    script: 'connect-sign-in.js',
    body: html`<div class="card"><h1>Sign in to continue</h1>
<p class="muted">Setting up where your money goes needs the owner's sign-in, with your authenticator app.</p>
<form id="signin" data-next="${next}">
<p><input id="email" type="email" placeholder="Email" autocomplete="username" required size="32"></p>
<p><input id="password" type="password" placeholder="Password" autocomplete="current-password" required size="32"></p>
<p id="codeRow" hidden><input id="code" inputmode="numeric" placeholder="6-digit code" autocomplete="one-time-code" size="12"></p>
<p><button id="go">Sign in</button></p>
<p id="error" class="muted" role="alert"></p>
</form></div>`,
  });
}

export function expiredLinkPage(expiredAt: string): string {
  return page({
    title: 'This link has expired',
    subtitle: SUBTITLE,
    body: html`<div class="card"><h1>This link has expired</h1>
<p>The setup link stopped working on ${expiredAt} (links last 7 days).</p>
<p>Ask for a new one: in the <a href="/console">console</a>, or with <code>POST /api/v1/payments/onboarding</code>. It is emailed to you at once, and this old link stays dead.</p></div>`,
  });
}

export function invalidLinkPage(): string {
  return page({
    title: 'This link does not work',
    subtitle: SUBTITLE,
    body: html`<div class="card"><h1>This link does not work</h1>
<p class="muted">It may have been replaced by a newer one, or it belongs to another operator than the one you are signed in to. Open the latest email, or ask for a new link in the <a href="/console">console</a>.</p></div>`,
  });
}

export function returnPage(state: ConnectAccountState): string {
  const ready = state.capabilities.transfers === 'active' && state.requirementsDue.length === 0;
  if (ready) {
    return page({
      title: "You're set up",
      subtitle: SUBTITLE,
      body: html`<div class="card"><h1>You're set up</h1>
<p>Your Stripe account can receive the money drivers pay. Anything held for you while you were setting up is on its way.</p>
<p><a href="/console">Back to the console →</a></p></div>`,
    });
  }
  const due = [...new Set(state.requirementsDue.map((r) => REQUIREMENT_NAMES[r] ?? r))];
  return page({
    title: 'Almost there',
    subtitle: SUBTITLE,
    body: html`<div class="card"><h1>Almost there</h1>
<p>Stripe still needs:</p>
<ul>${due.map((d) => html`<li>${d}</li>`)}</ul>
${state.detailsSubmitted ? html`<p class="muted">Your details are with Stripe, which may still be checking them.</p>` : html``}
<p><a href="/connect/refresh">Continue with Stripe →</a></p>
<p class="muted">Payments your chargers take meanwhile are kept for you and sent once Stripe is satisfied.</p></div>`,
  });
}
