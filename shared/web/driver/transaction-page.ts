/**
 * The Transaction URL page: one session, opened by its token from any device. Rendered in full on
 * the server from the same display strings the status JSON carries (display.ts); the script
 * (driver-transaction.js) polls `/t/{token}/status` with If-None-Match and replaces those strings.
 * The token never appears in the page: the script reads its own path.
 */
import type { DriverSessionView } from '../../app/payments/session-view.js';
import { html } from '../html.js';
import type { SessionDisplay } from './display.js';
import { type DriverBrand, driverShell } from './layout.js';

export function transactionPage(input: {
  view: DriverSessionView;
  display: SessionDisplay;
  etag: string;
  brand: DriverBrand;
  brandCssUrl?: string | undefined;
}): string {
  const { view, display: d } = input;
  const where = view.site ? `${view.site.name} · ${view.chargerId}` : view.chargerId;
  const rows = d.lines.map(
    (l) =>
      html`<tr><th scope="row" data-label="Item">${l.description}${l.note ? html`<span class="line-note">${l.note}</span>` : html``}</th><td data-label="Quantity">${l.quantity}</td><td data-label="Unit price">${l.unitPrice}</td><td data-label="Net">${l.net}</td><td data-label="Tax rate">${l.taxRate}</td><td data-label="Tax">${l.tax}</td><td data-label="Total">${l.gross}</td></tr>`,
  );
  return driverShell({
    title: `Your charging session · ${where}`,
    brand: input.brand,
    brandCssUrl: input.brandCssUrl,
    body: html`<div id="session" data-etag="${input.etag}" data-live="${String(d.live)}" data-status="${view.status}">
<section class="card" aria-live="polite"><p class="muted">${where}, connector ${view.connectorId}</p>
<h1 id="status-text">${d.statusText}</h1><p id="status-detail">${d.statusDetail}</p>
<dl class="kv figures"><div><dt>Energy</dt><dd id="energy">${d.energy}</dd></div><div><dt>Duration</dt><dd id="duration">${d.duration}</dd></div><div><dt>Average power</dt><dd id="power">${d.power}</dd></div></dl></section>
<section class="card"><h2 id="cost-heading">${d.costHeading}</h2>
<table class="lines"><caption class="sr-only">Cost by component, with tax</caption><thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Net</th><th scope="col">Tax rate</th><th scope="col">Tax</th><th scope="col">Total</th></tr></thead>
<tbody id="lines">${rows}</tbody></table>
<p class="total">Total <strong id="total">${d.total}</strong> <span class="muted">(incl. tax <span id="tax">${d.tax}</span>)</span></p></section>
<section class="card"><h2>Payment</h2><p id="hold">${d.hold}</p>
<p id="captured"${d.captured ? html`` : html` hidden`}>${d.captured ?? ''}</p>
<p id="released"${d.released ? html`` : html` hidden`}>${d.released ?? ''}</p></section>
<section class="card actions"><h2 class="sr-only">Actions</h2>
<button id="stop" type="button"${view.canStop && view.status === 'charging' ? html`` : html` hidden`}>Stop charging</button>
<button id="cancel" type="button" class="secondary"${view.canCancel ? html`` : html` hidden`}>Cancel</button>
<button id="receipt" type="button" class="secondary"${view.receipts.length ? html`` : html` hidden`}>Email me the receipt again</button>
<p id="action-message" class="message" role="status"></p></section>
</div>`,
    scripts: ['/assets/driver-transaction.js'],
  });
}
