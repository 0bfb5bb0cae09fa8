import type { Operator, Site } from '../domain/entities.js';
import type { ChargerView } from '../ports/operator-views.js';
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

/** The page a connector's QR code opens: where the charger is, its connectors' state and prices. */
export function chargerPage(
  view: ChargerView,
  operator: Operator | undefined,
  site: Site | undefined,
  prices: string[],
): string {
  const online = view.connection !== undefined;
  const connectors = view.connectors.length
    ? view.connectors
        .filter((c) => c.connectorId > 0)
        .map(
          (c) =>
            html`<tr><td>Connector ${c.connectorId}</td><td><span class="pill ${c.status}">${c.status}</span></td></tr>`,
        )
    : [html`<tr><td colspan="2" class="muted">This charger has not reported its connectors yet.</td></tr>`];
  return page({
    title: `Charge at ${site?.name ?? view.charger.chargerId}`,
    subtitle: operator?.name ?? '',
    body: html`<div class="card"><h1>${site?.name ?? 'Charger'} · ${view.charger.chargerId}</h1>
<p class="muted">${site?.address ?? ''}</p>
<p><span class="pill ${online ? 'online' : 'offline'}">${online ? 'Online' : 'Offline'}</span></p></div>
<div class="card"><h2>Connectors</h2><table><tbody id="connectors">${connectors}</tbody></table></div>
<div class="card"><h2>Prices</h2>${
      prices.length
        ? html`<ul>${prices.map((p) => html`<li>${p}</li>`)}</ul>`
        : html`<p class="muted">Free to use.</p>`
    }</div>`,
    refreshSeconds: 15,
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
