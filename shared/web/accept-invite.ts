/**
 * The invitation page (`/console/accept?token=…`): a plain server-rendered form, no script, that
 * sets the user's password and confirms the authenticator app in one post; the answer shows the
 * recovery codes, once.
 */
import { html, page, raw } from './html.js';

export function acceptInvitePage(form: {
  token: string;
  email: string;
  totpSecret: string;
  qrSvg: string;
  error?: string;
}): string {
  return page({
    title: 'Accept your invitation',
    subtitle: 'operator console',
    body: html`<div class="card"><h1>Welcome</h1>
<p class="muted">Set up sign-in for <strong>${form.email}</strong>.</p>
${form.error ? html`<p class="pill rejected" role="alert">${form.error}</p>` : ''}
<form method="post" action="/console/accept">
<input type="hidden" name="token" value="${form.token}">
<input type="hidden" name="totpSecret" value="${form.totpSecret}">
<p><label>Password (at least 12 characters)<br><input type="password" name="password" autocomplete="new-password" minlength="12" required></label></p>
<h2>Authenticator app</h2>
<p class="muted">Scan this code with your authenticator app, or type the key <code>${form.totpSecret}</code>.</p>
<div class="qr">${raw(form.qrSvg)}</div>
<p><label>The 6-digit code the app shows<br><input name="totpCode" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required></label></p>
<p><button>Set up sign-in</button></p>
</form></div>`,
  });
}

export function invitationGonePage(): string {
  return page({
    title: 'Invitation not valid',
    subtitle: 'operator console',
    body: html`<div class="card"><h1>This invitation is not valid</h1>
<p class="muted">It was used already, or it expired (invitations work for 7 days). Ask your operator's owner for a new one.</p></div>`,
  });
}

export function recoveryCodesPage(codes: string[]): string {
  return page({
    title: 'Sign-in is set up',
    subtitle: 'operator console',
    body: html`<div class="card"><h1>You can sign in now</h1>
<p>Keep these recovery codes somewhere safe. Each works once, in place of the authenticator app. They are shown only now.</p>
<ul id="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="/console">Go to the console →</a></p></div>`,
  });
}
