/**
 * The driver pages' own stylesheet and scripts, served from /assets like the console's. Plain
 * browser JS, no framework and no build: the start page's own code plus CSS must stay under 50 KB
 * (a unit test sums these). Money is never formatted here: the server sends display strings.
 */

const DRIVER_CSS = `
body.driver main{max-width:640px;margin:16px auto}
header.brand{background:var(--brand);color:var(--brand-ink);min-height:56px}
header.brand img{height:32px;width:auto;display:block}
header.brand .op{font-weight:700;font-size:18px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;color:var(--ink);padding:8px 12px;z-index:1}
.skip:focus{left:8px;top:8px}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
body.driver .muted{color:#4a5866}
a{color:#0a5c9e}
:focus-visible{outline:3px solid #1b63d8;outline-offset:2px}
button:focus-visible,input:focus-visible{outline:3px solid #1b63d8;outline-offset:2px}
body.driver button{background:var(--brand);color:var(--brand-ink);min-height:48px;padding:10px 18px;font-weight:600;width:100%;margin-top:12px}
body.driver button.secondary{background:#fff;color:var(--ink);border:2px solid #4a5866}
body.driver button:disabled{opacity:1;background:#c9d1d9;color:#33404d;cursor:not-allowed}
fieldset{border:0;padding:0;margin:0 0 12px}
fieldset:disabled{opacity:.75}
legend,label{font-weight:600;display:block;margin:0 0 6px}
.choice{display:flex;align-items:center;gap:10px;padding:10px 12px;border:1px solid #8a97a6;border-radius:8px;margin-bottom:8px}
.choice input{width:22px;height:22px;margin:0}
.choice label{margin:0;flex:1}
.choice .state{display:block;font-weight:400;color:#4a5866;font-size:14px}
body.driver input[type=email]{width:100%;min-height:48px;border:1px solid #6b7785}
.help{font-size:14px;color:#4a5866;margin:6px 0 0}
.hold{font-size:17px;background:#eef6f1;border-left:4px solid var(--ok);padding:10px 12px;border-radius:6px}
.notice{background:#fff4e5;border-left:4px solid var(--warn);padding:10px 12px;border-radius:6px;color:#5c2c00}
.message{min-height:1.5em;color:var(--bad);font-weight:600}
.message:empty{min-height:0;margin:0}
#card{margin:12px 0}
.prices li,.connectors-state li{margin-bottom:4px}
.figures{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:12px 0 0}
.figures dd{font-size:18px}
.total{font-size:18px;text-align:right;margin:12px 0 0}
.lines td,.lines th{font-size:14px}
.line-note{display:block;font-size:12px;font-weight:normal;color:#4a5866}
@media (max-width:600px){
  .lines thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  .lines tr{display:block;border-bottom:1px solid var(--line);padding:6px 0}
  .lines th[scope=row]{display:block;border:0;padding:4px 0;font-size:15px;color:var(--ink)}
  .lines td{display:flex;justify-content:space-between;border:0;padding:2px 0}
  .lines td::before{content:attr(data-label);color:#4a5866}
  .figures{grid-template-columns:1fr 1fr}
}
`;

/**
 * The start page: POST the session, mount Stripe's Payment Element for it, confirm the card with
 * `redirect: 'if_required'`, then tell the platform the hold is in place and go to the Transaction
 * URL. Any error leaves the form usable for another try.
 * A member's start page (web/member/pages.ts) runs it too: its form names its own begin route
 * (`data-begin`) and the member session's CSRF token (`data-csrf`).
 */
const START_SCRIPT = `
(function(){
  var form=document.getElementById('start');
  if(!form||typeof Stripe!=='function')return;
  var msg=document.getElementById('message'),cont=document.getElementById('continue'),go=document.getElementById('start-charging');
  var details=document.getElementById('details'),card=document.getElementById('card');
  var NOTHING=' Nothing has been taken from your card.';
  var session,stripe,elements;
  function say(t){msg.textContent=t||''}
  function busy(b,btn){btn.disabled=b;btn.setAttribute('aria-busy',String(b))}
  function post(url,body){
    return fetch(url,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body||{})}).then(function(r){
      return r.json().catch(function(){return {}}).then(function(j){
        if(!r.ok)throw new Error((j.error&&j.error.message)||'Something went wrong. Please try again.');
        return j;
      });
    });
  }
  function begin(){
    var chosen=form.querySelector('input[name=connector]:checked'),email=document.getElementById('email');
    if(!chosen){say('Choose a connector.');var first=form.querySelector('input[name=connector]:not(:disabled)');if(first)first.focus();return}
    if(!email.value.trim()||!email.checkValidity()){say('Enter your email address for the receipts.');email.focus();return}
    busy(true,cont);say('');
    post(form.getAttribute('data-begin')||'/api/drive/sessions',{chargerId:form.getAttribute('data-charger'),connectorId:Number(chosen.value),email:email.value.trim(),csrf:form.getAttribute('data-csrf')||undefined}).then(function(s){
      session=s;
      stripe=Stripe(s.publishableKey);
      elements=stripe.elements({clientSecret:s.clientSecret});
      elements.create('payment').mount('#payment-element');
      details.disabled=true;card.hidden=false;cont.hidden=true;go.hidden=false;
      document.getElementById('card-heading').focus();
    }).catch(function(e){say(e.message);busy(false,cont)});
  }
  function start(){
    busy(true,go);say('');
    stripe.confirmPayment({elements:elements,confirmParams:{return_url:session.transactionUrl},redirect:'if_required'}).then(function(res){
      if(res.error){say((res.error.message||'Your card was not accepted.')+NOTHING);busy(false,go);return}
      var path='/t/'+encodeURIComponent(session.token);
      return post(path+'/confirm').then(function(v){
        if(v.outcome==='not-held'&&v.paymentError){say(v.paymentError.message+NOTHING);busy(false,go);return}
        location.assign(path);
      });
    }).catch(function(e){say(e.message);busy(false,go)});
  }
  form.addEventListener('submit',function(e){e.preventDefault();if(session)start();else begin()});
})();`;

/**
 * The Transaction URL page: poll the status every 3 s with If-None-Match (a 304 costs nothing),
 * stop once the session can no longer change, and place the server's display strings.
 * While the card is not yet known to be held (`awaiting-payment`), each poll POSTs `confirm`
 * instead: after a 3-D Secure redirect the driver lands here straight from the bank, and the start
 * page that would have confirmed is gone. The platform re-reads the PaymentIntent, so asking again
 * is harmless; once per poll bounds it.
 */
const TRANSACTION_SCRIPT = `
(function(){
  var root=document.getElementById('session');
  if(!root)return;
  var base=location.pathname.replace(/\\/+$/,'');
  var etag=root.getAttribute('data-etag'),live=root.getAttribute('data-live')==='true',timer;
  var status=root.getAttribute('data-status');
  var note=document.getElementById('action-message');
  function $(id){return document.getElementById(id)}
  function text(id,v){$(id).textContent=v||''}
  function show(id,on){$(id).hidden=!on}
  function cell(tag,label,v){var c=document.createElement(tag);if(tag==='th')c.scope='row';c.setAttribute('data-label',label);c.textContent=v;return c}
  function render(s){
    var d=s.display;
    text('status-text',d.statusText);text('status-detail',d.statusDetail);
    text('energy',d.energy);text('duration',d.duration);text('power',d.power);
    var body=$('lines');while(body.firstChild)body.removeChild(body.firstChild);
    d.lines.forEach(function(l){
      var tr=document.createElement('tr');
      var item=cell('th','Item',l.description);
      if(l.note){var n=document.createElement('span');n.className='line-note';n.textContent=l.note;item.appendChild(n)}
      tr.appendChild(item);
      [['Quantity',l.quantity],['Unit price',l.unitPrice],['Net',l.net],['Tax rate',l.taxRate],['Tax',l.tax],['Total',l.gross]].forEach(function(p){tr.appendChild(cell('td',p[0],p[1]))});
      body.appendChild(tr);
    });
    text('total',d.total);text('tax',d.tax);text('hold',d.hold);text('cost-heading',d.costHeading);
    text('captured',d.captured);show('captured',!!d.captured);
    text('released',d.released);show('released',!!d.released);
    show('stop',s.canStop&&s.status==='charging');show('cancel',s.canCancel);show('receipt',s.receipts.length>0);
    live=d.live;status=s.status;
  }
  function schedule(){clearTimeout(timer);if(live)timer=setTimeout(poll,3000)}
  function confirm(){
    fetch(base+'/confirm',{method:'POST',headers:{'content-type':'application/json'},body:'{}'}).then(function(r){
      if(r.ok){etag=null;return r.json().then(render)}
    }).catch(function(){}).then(schedule);
  }
  function poll(){
    if(status==='awaiting-payment')return confirm();
    var headers=etag?{'if-none-match':etag}:{};
    fetch(base+'/status',{headers:headers}).then(function(r){
      if(r.status===200){etag=r.headers.get('etag');return r.json().then(render)}
    }).catch(function(){}).then(schedule);
  }
  function act(id,path,done){
    $(id).addEventListener('click',function(){
      var btn=$(id);btn.disabled=true;note.textContent='';
      fetch(base+path,{method:'POST',headers:{'content-type':'application/json'},body:'{}'}).then(function(r){
        return r.json().catch(function(){return {}}).then(function(j){
          if(!r.ok)throw new Error((j.error&&j.error.message)||'Something went wrong. Please try again.');
          done(j);
        });
      }).catch(function(e){note.textContent=e.message}).then(function(){btn.disabled=false;etag=null;schedule()});
    });
  }
  act('stop','/stop',render);
  act('cancel','/cancel',render);
  act('receipt','/receipts',function(){note.textContent='We are sending the receipt to your email again.'});
  if(status==='awaiting-payment')confirm();else schedule();
})();`;

/** Registered into ASSETS (shared/web/assets.ts). */
export const DRIVER_ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'driver.css': { contentType: 'text/css; charset=utf-8', body: DRIVER_CSS },
  'driver-start.js': { contentType: 'text/javascript; charset=utf-8', body: START_SCRIPT },
  'driver-transaction.js': { contentType: 'text/javascript; charset=utf-8', body: TRANSACTION_SCRIPT },
};

/** Each page's own assets, for the page-weight budget. */
export const PAGE_ASSETS = {
  start: ['app.css', 'driver.css', 'driver-start.js'],
  transaction: ['app.css', 'driver.css', 'driver-transaction.js'],
} as const;
