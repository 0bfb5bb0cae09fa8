import { html, page } from './html.js';

export function homePage(): string {
  return page({
    title: 'EV Charging',
    subtitle: 'charge point management',
    body: html`<div class="card"><h1>EV charging platform</h1>
<p class="muted">Chargers connect over OCPP 1.6-J. Drivers scan the QR code on a connector to reach its page.
Operators manage their chargers from the console.</p>
<p><a href="/console">Operator console →</a></p></div>`,
  });
}

export function notFoundPage(message: string): string {
  return page({
    title: 'Not found',
    body: html`<div class="card"><h1>Not found</h1><p class="muted">${message}</p></div>`,
  });
}

/**
 * The operator console: a page that reads the operator API with the operator's key (kept in the
 * browser's localStorage, never in a cookie the platform could leak to another operator).
 */
export function consolePage(): string {
  return page({
    title: 'Operator console',
    subtitle: 'operator console',
    body: html`<div class="card" id="login" hidden><h2>Sign in</h2>
<form id="keyform"><input id="key" placeholder="Operator API key" size="40" autocomplete="off"> <button>Open console</button></form>
<p class="muted" id="loginerror"></p></div>
<div id="app" hidden>
<div class="card"><h1 id="opname">Operator</h1><p class="muted" id="opinfo"></p></div>
<div class="card"><h2>Chargers</h2><table><thead><tr><th>Charger</th><th>Registration</th><th>Link</th><th>Connectors</th><th>Last heartbeat</th></tr></thead><tbody id="chargers"></tbody></table></div>
<div class="card"><h2>Recent sessions</h2><table><thead><tr><th>Charger</th><th>Tx</th><th>Started</th><th>Status</th><th>Energy</th><th>Charge</th><th>Flags</th></tr></thead><tbody id="txs"></tbody></table></div>
</div>`,
    script: 'console.js',
  });
}
