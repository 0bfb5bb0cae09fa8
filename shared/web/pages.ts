import type { Operator, Site } from '../domain/entities.js';
import type { ChargerView } from '../ports/operator-views.js';
import { html, page, raw } from './html.js';

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
    script: `setTimeout(function(){location.reload()},15000)`,
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
    script: raw(CONSOLE_SCRIPT).value,
  });
}

const CONSOLE_SCRIPT = `
(function(){
  var params=new URLSearchParams(location.search);
  if(params.get('key')){localStorage.setItem('opkey',params.get('key'));history.replaceState(null,'','/console');}
  var key=localStorage.getItem('opkey');
  function esc(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}
  function money(m,cur){if(typeof m!=='number')return '—';var s=m<0?'-':'';m=Math.abs(m);return s+(cur==='gbp'?'£':'')+Math.floor(m/100)+'.'+String(m%100).padStart(2,'0')+(cur==='gbp'?'':' '+String(cur||'').toUpperCase())}
  function api(path){return fetch('/api/v1'+path,{headers:{authorization:'Bearer '+key}}).then(function(r){if(r.status===401)throw new Error('unauthorized');return r.json()})}
  function showLogin(msg){document.getElementById('login').hidden=false;document.getElementById('app').hidden=true;document.getElementById('loginerror').textContent=msg||''}
  document.getElementById('keyform').addEventListener('submit',function(e){e.preventDefault();key=document.getElementById('key').value.trim();localStorage.setItem('opkey',key);load()});
  function load(){
    if(!key){showLogin();return}
    Promise.all([api('/operator'),api('/chargers'),api('/transactions?limit=25')]).then(function(r){
      var op=r[0].operator,chargers=r[1].chargers,txs=r[2].transactions;
      document.getElementById('login').hidden=true;document.getElementById('app').hidden=false;
      document.getElementById('opname').textContent=op.name;
      document.getElementById('opinfo').textContent='Currency '+op.currency.toUpperCase()+' · pre-authorisation '+money(op.preAuthAmount,op.currency);
      document.getElementById('chargers').innerHTML=chargers.map(function(c){
        var online=!!c.connection;
        return '<tr><td><a href="/c/'+encodeURIComponent(c.charger.chargerId)+'">'+esc(c.charger.chargerId)+'</a><br><span class="muted">'+esc([c.charger.vendor,c.charger.model].filter(Boolean).join(' '))+'</span></td>'+
          '<td><span class="pill '+esc(c.charger.registration)+'">'+esc(c.charger.registration)+'</span></td>'+
          '<td><span class="pill '+(online?'online':'offline')+'">'+(online?'online':'offline')+'</span></td>'+
          '<td>'+c.connectors.filter(function(k){return k.connectorId>0}).map(function(k){return '#'+k.connectorId+' <span class="pill '+esc(k.status)+'">'+esc(k.status)+'</span>'}).join('<br>')+'</td>'+
          '<td>'+esc(c.charger.lastHeartbeatAt||'—')+'</td></tr>'}).join('')||'<tr><td colspan="5" class="muted">No chargers yet.</td></tr>';
      document.getElementById('txs').innerHTML=txs.map(function(t){
        var charge=t.charge||{};var total=charge.total||{};
        return '<tr><td>'+esc(t.chargerId)+'</td><td>'+esc(t.transactionId)+'</td><td>'+esc(t.startedAt||'—')+'</td><td><span class="pill">'+esc(t.status)+'</span></td>'+
          '<td>'+(typeof charge.energyWh==='number'?(charge.energyWh/1000).toFixed(3)+' kWh':'—')+'</td><td>'+money(total.gross,op.currency)+'</td><td>'+esc((t.flags||[]).join(', '))+'</td></tr>'}).join('')||'<tr><td colspan="7" class="muted">No sessions yet.</td></tr>';
    }).catch(function(e){if(String(e.message)==='unauthorized'){localStorage.removeItem('opkey');key=null;showLogin('That key was not accepted.')}else{showLogin('Could not reach the operator API: '+e.message)}});
  }
  load();setInterval(function(){if(key&&!document.getElementById('app').hidden)load()},5000);
})();`;
