/**
 * The console's one HTML page: the sign-in card and the signed-in shell (navigation, a notice bar,
 * the view the script fills). Nothing operator-specific is rendered by the server: the page is the
 * same for everyone and the script reads the API with the session.
 */
import { escapeHtml } from '../html.js';

const NAV: ReadonlyArray<readonly [string, string] | string> = [
  ['dashboard', 'Dashboard'],
  ['chargers', 'Chargers'],
  ['sessions', 'Sessions'],
  ['payouts', 'Payouts'],
  ['tariffs', 'Tariffs'],
  'Places and people',
  ['sites', 'Sites'],
  ['groups', 'Groups'],
  ['fleets', 'Fleets'],
  ['users', 'Users'],
  'Account',
  ['api-keys', 'API keys'],
  ['settings', 'Settings'],
  ['account', 'Your account'],
];

const nav = NAV.map((item) =>
  typeof item === 'string'
    ? `<li class="group" aria-hidden="true">${escapeHtml(item)}</li>`
    : `<li><a href="#/${item[0]}" data-section="${item[0]}">${escapeHtml(item[1])}</a></li>`,
).join('');

export function consoleShell(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Operator console</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/app.css"><link rel="stylesheet" href="/assets/console.css"></head>
<body class="console"><header><span><a href="/console">⚡ EV Charging</a> <span class="sub-inline" id="opname"></span></span>
<span class="who" id="whobox" hidden><span id="who"></span><button type="button" data-action="sign-out">Sign out</button></span></header>
<main>
<div class="card" id="signin" hidden>
<div id="step-password"><h1>Sign in to the operator console</h1>
<form data-form="sign-in" class="stack"><label for="signin-email">Email</label><input id="signin-email" name="email" type="email" autocomplete="username" required>
<label for="signin-password">Password</label><input id="signin-password" name="password" type="password" autocomplete="current-password" required>
<button>Continue</button><p class="message" id="signin-message" role="alert"></p></form></div>
<div id="step-factor" hidden><h1>Second step</h1><p class="muted">Confirm it is you with one of these.</p>
<div class="factor-tabs" role="group" aria-label="How to confirm"><button type="button" data-action="factor" data-method="totp">Authenticator app</button><button type="button" data-action="factor" data-method="recovery">Recovery code</button><button type="button" data-action="factor" data-method="email">Email me a code</button></div>
<form data-form="second-factor" class="stack"><label for="factor-code" id="factor-label">The 6-digit code from your authenticator app</label><input id="factor-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="32">
<button>Sign in</button><p class="message" id="factor-message" role="alert" aria-live="polite"></p></form>
<p class="help"><button type="button" class="link" data-action="start-over">Use another account</button></p></div>
</div>
<div id="app" class="shell" hidden><nav id="nav" aria-label="Console"><ul>${nav}</ul></nav>
<div id="view-wrap"><p id="notice" class="notice-bar" tabindex="-1" role="status" hidden></p><section id="view"></section></div></div>
</main>
<script src="/assets/console.js"></script>
</body></html>`;
}
