/** Static assets of the pages: one stylesheet and the console's script, served by the HTTP API. */
import { CONNECT_ASSETS } from './connect/assets.js';
import { DRIVER_ASSETS } from './driver/assets.js';

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#14202b;--muted:#5b6b7a;--line:#e3e7ec;--brand:#0b7a53;--brand-ink:#fff;--warn:#b54708;--bad:#b42318;--ok:#067647}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{background:var(--brand);color:var(--brand-ink);padding:14px 20px;display:flex;align-items:center;gap:12px}
header a{color:inherit;text-decoration:none;font-weight:600}header .sub{opacity:.8;font-size:14px}
main{max-width:980px;margin:24px auto;padding:0 16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin-bottom:16px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:0 0 12px}
.muted{color:var(--muted)}table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 6px;border-bottom:1px solid var(--line);font-size:14px;vertical-align:top}
th{color:var(--muted);font-weight:600}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:600;background:#eef2f6}
.pill.method-get{background:#d1e9ff;color:#175cd3}.pill.method-post,.pill.method-put{background:#dcfae6;color:var(--ok)}.pill.method-delete{background:#fee4e2;color:var(--bad)}
.pill.Available,.pill.online,.pill.active,.pill.final{background:#dcfae6;color:var(--ok)}.pill.Charging,.pill.Preparing{background:#d1e9ff;color:#175cd3}
.pill.Faulted,.pill.Unavailable,.pill.offline,.pill.rejected{background:#fee4e2;color:var(--bad)}.pill.SuspendedEV,.pill.SuspendedEVSE,.pill.Finishing,.pill.pending,.pill.stopped{background:#fef0c7;color:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.kv dt{color:var(--muted);font-size:13px}.kv dd{margin:0 0 10px;font-weight:600}
input,button{font:inherit;padding:8px 12px;border-radius:8px;border:1px solid var(--line)}button{background:var(--brand);color:#fff;border:0;cursor:pointer}button.approve{padding:2px 10px;font-size:13px;margin-left:6px}button:disabled{opacity:.5;cursor:default}
code{background:#eef2f6;padding:1px 6px;border-radius:6px;font-size:13px}
footer{max-width:980px;margin:0 auto 32px;padding:0 16px;color:var(--muted);font-size:13px}
`;

const CONSOLE_SCRIPT = `
(function(){
  // A key in the URL would stay in history, logs and Referer headers: it is never taken from there.
  // An old link that carries one is dropped from the address bar and the key has to be typed.
  var keyInUrl=new URLSearchParams(location.search).has('key');
  if(keyInUrl)history.replaceState(null,'','/console');
  var key=localStorage.getItem('opkey');
  function esc(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}
  function kwh(mwh){var wh=Math.round(mwh/1000);return Math.floor(wh/1000)+'.'+String(wh%1000).padStart(3,'0')+' kWh'}
  function money(m,cur){if(typeof m!=='number')return '—';var s=m<0?'-':'';m=Math.abs(m);return s+(cur==='gbp'?'£':'')+Math.floor(m/100)+'.'+String(m%100).padStart(2,'0')+(cur==='gbp'?'':' '+String(cur||'').toUpperCase())}
  function api(path){return fetch('/api/v1'+path,{headers:{authorization:'Bearer '+key}}).then(function(r){if(r.status===401)throw new Error('unauthorized');return r.json()})}
  function showLogin(msg){document.getElementById('login').hidden=false;document.getElementById('app').hidden=true;document.getElementById('loginerror').textContent=msg||''}
  document.getElementById('keyform').addEventListener('submit',function(e){e.preventDefault();key=document.getElementById('key').value.trim();localStorage.setItem('opkey',key);load()});
  // A charger that registered itself (under a claimed id prefix) waits for the operator's approval.
  // A connector's QR code needs the API key, so a plain link cannot fetch it: fetch it with the key
  // and open it as a blob URL. The tab is opened inside the click so popup blockers let it through.
  function openQr(a){
    var tab=window.open('','_blank');
    fetch('/api/v1/chargers/'+encodeURIComponent(a.getAttribute('data-qr-charger'))+'/connectors/'+a.getAttribute('data-qr-connector')+'/qr.svg',{headers:{authorization:'Bearer '+key}})
      .then(function(r){if(!r.ok)throw new Error(String(r.status));return r.blob()})
      .then(function(b){var url=URL.createObjectURL(b);if(tab)tab.location.href=url;else location.href=url;setTimeout(function(){URL.revokeObjectURL(url)},60000)})
      .catch(function(err){if(tab)tab.close();alert('Could not get the QR code: '+err.message)});
  }
  document.getElementById('chargers').addEventListener('click',function(e){
    if(e.target&&e.target.getAttribute&&e.target.getAttribute('data-qr-charger')){e.preventDefault();openQr(e.target);return}
    var id=e.target&&e.target.getAttribute&&e.target.getAttribute('data-charger');
    if(!id)return;
    e.target.disabled=true;
    fetch('/api/v1/chargers/'+encodeURIComponent(id)+'/approve',{method:'POST',headers:{authorization:'Bearer '+key}})
      .then(function(r){if(!r.ok)return r.json().then(function(b){throw new Error(b.error&&b.error.message||r.status)})})
      .then(load).catch(function(err){e.target.disabled=false;alert('Could not approve '+id+': '+err.message)});
  });
  function load(){
    if(!key){showLogin(keyInUrl?'The API key goes in the field below, not in the address: links with a key are not accepted.':'');return}
    Promise.all([api('/operator'),api('/chargers?limit=100'),api('/transactions?limit=25')]).then(function(r){
      var op=r[0].operator,chargers=r[1].items,txs=r[2].items;
      document.getElementById('login').hidden=true;document.getElementById('app').hidden=false;
      document.getElementById('opname').textContent=op.name;
      document.getElementById('opinfo').textContent='Currency '+op.currency.toUpperCase()+' · pre-authorisation '+money(op.preAuthAmount.amountMinor,String(op.preAuthAmount.currency).toLowerCase());
      document.getElementById('chargers').innerHTML=chargers.map(function(c){
        var online=c.connection.status==='online';
        return '<tr><td><a href="/c/'+encodeURIComponent(c.chargerId)+'">'+esc(c.chargerId)+'</a><br><span class="muted">'+esc([c.vendor,c.model].filter(Boolean).join(' '))+'</span>'+
          '<br><span class="muted">QR</span> '+Array.from({length:c.connectorCount||1},function(_,i){return '<a href="#" data-qr-charger="'+esc(c.chargerId)+'" data-qr-connector="'+(i+1)+'" title="QR code of connector '+(i+1)+'">#'+(i+1)+'</a>'}).join(' ')+'</td>'+
          '<td><span class="pill '+esc(c.registration)+'">'+esc(c.registration)+'</span>'+
            (c.registration==='pending'?' <button class="approve" data-charger="'+esc(c.chargerId)+'">Approve</button>':'')+'</td>'+
          '<td><span class="pill '+(online?'online':'offline')+'">'+(online?'online':'offline')+'</span></td>'+
          '<td>'+c.connectors.filter(function(k){return k.connectorId>0}).map(function(k){return '#'+k.connectorId+' <span class="pill '+esc(k.status)+'">'+esc(k.status)+'</span>'}).join('<br>')+'</td>'+
          '<td>'+esc(c.lastHeartbeatAt||'—')+'</td></tr>'}).join('')||'<tr><td colspan="5" class="muted">No chargers yet.</td></tr>';
      document.getElementById('txs').innerHTML=txs.map(function(t){
        var totals=(t.charge&&t.charge.totals)||{};var cur=String(totals.currency||op.currency).toLowerCase();
        var flags=t.flags.slice();var d=t.discrepancyCount;if(d)flags.push(d+' discrepanc'+(d===1?'y':'ies'));
        return '<tr><td>'+esc(t.chargerId)+'</td><td>'+esc(t.transactionId)+'</td><td>'+esc(t.startedAt||'—')+'</td><td><span class="pill '+esc(t.status)+'">'+esc(t.status)+'</span></td>'+
          '<td>'+(typeof t.energyMilliWh==='number'?kwh(t.energyMilliWh):'—')+'</td><td>'+money(totals.grossMinor,cur)+'</td><td>'+esc(flags.join(', '))+'</td></tr>'}).join('')||'<tr><td colspan="7" class="muted">No sessions yet.</td></tr>';
    }).catch(function(e){if(String(e.message)==='unauthorized'){localStorage.removeItem('opkey');key=null;showLogin('That key was not accepted.')}else{showLogin('Could not reach the operator API: '+e.message)}});
  }
  load();setInterval(function(){if(key&&!document.getElementById('app').hidden)load()},5000);
})();`;

export const ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'app.css': { contentType: 'text/css; charset=utf-8', body: CSS },
  'console.js': { contentType: 'text/javascript; charset=utf-8', body: CONSOLE_SCRIPT },
  ...DRIVER_ASSETS,
  ...CONNECT_ASSETS,
};
