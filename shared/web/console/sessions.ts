/**
 * The console's dashboard and sessions.
 *
 * The dashboard reads `GET /api/v1/dashboard` when the platform answers it; a platform without that
 * route (it answers 404 `route_not_found`) gets the same figures from the charger and session lists:
 * chargers online and offline, sessions running, and today's energy and revenue (sessions started
 * since local midnight, the gross of their charges). Both paths fill the same four tiles.
 *
 * The session list has a Payment column (a card's state and what it took, or who is billed). A
 * session's page shows its charge line by line (each component with its tax) and its payment: a
 * card's hold, capture, release, refunds, platform fee and Stripe ids, or the fleet or group it is
 * billed to. A captured card payment with something left to refund gets a Refund form: in full or
 * in part, with the API's own message when it refuses (more than is left to refund).
 */
export const SESSIONS_SCRIPT = String.raw`
function startOfToday(){var d=new Date();d.setHours(0,0,0,0);return d}

/** The dashboard endpoint's answer in the tiles' terms, or null when its shape is not one we know. */
function summaryOf(d){
  var s=d&&(d.summary||d.dashboard||d);
  if(!s||!s.chargers||typeof s.chargers.online!=='number')return null;
  var today=s.today||{};
  return {online:s.chargers.online,offline:s.chargers.offline,live:typeof s.liveSessions==='number'?s.liveSessions:0,
    energyMilliWh:today.energyMilliWh,revenue:today.revenue,provisional:today.provisionalRevenue,
    byStatus:s.connectorsByStatus||[],partial:(s.flags||[]).length>0,source:'dashboard'};
}

/** The same figures from the lists: every charger page, and sessions back to local midnight. */
function summaryFromLists(){
  var since=startOfToday();
  var chargers=C.all('/chargers',50);
  var sessions=[],pages=0;
  function more(cursor){
    return C.get('/transactions?limit=100'+(cursor?'&cursor='+encodeURIComponent(cursor):'')).then(function(p){
      sessions=sessions.concat(p.items);pages++;
      var oldest=p.items[p.items.length-1];
      var older=oldest&&oldest.startedAt&&new Date(oldest.startedAt)<since;
      return p.nextCursor&&!older&&pages<20?more(p.nextCursor):sessions;
    });
  }
  return Promise.all([chargers,more(null)]).then(function(r){
    var online=r[0].filter(function(c){return c.connection.status==='online'}).length;
    var today=r[1].filter(function(t){return t.startedAt&&new Date(t.startedAt)>=since});
    var currency=(C.state.operator&&C.state.operator.currency)||'GBP';
    var gross=0,energy=0;
    today.forEach(function(t){
      if(typeof t.energyMilliWh==='number')energy+=t.energyMilliWh;
      if(t.charge&&t.charge.totals.currency===currency)gross+=t.charge.totals.grossMinor;
    });
    return {online:online,offline:r[0].length-online,live:r[1].filter(function(t){return t.status==='active'}).length,
      energyMilliWh:energy,revenue:{amountMinor:gross,currency:currency},recent:r[1].slice(0,8),source:'lists'};
  });
}

function tile(label,value,id,note){
  return '<div class="tile"><span class="label">'+C.esc(label)+'</span><span class="figure" id="'+id+'">'+value+'</span>'+(note?'<span class="sub">'+C.esc(note)+'</span>':'')+'</div>';
}

function sessionRow(t){
  var totals=t.charge&&t.charge.totals;
  var flags=t.flags.slice();if(t.discrepancyCount)flags.push(t.discrepancyCount+' discrepanc'+(t.discrepancyCount===1?'y':'ies'));
  return '<tr><th scope="row"><a href="#/sessions/'+encodeURIComponent(t.chargerId)+'/'+t.transactionId+'">'+C.esc(t.chargerId)+' · '+t.transactionId+'</a></th>'+
    '<td data-label="Started">'+C.when(t.startedAt)+'</td><td data-label="Status">'+C.pill(t.status)+'</td>'+
    '<td data-label="Energy">'+C.kwh(t.energyMilliWh)+'</td><td data-label="Charge">'+(totals?C.money(totals.grossMinor,totals.currency):'—')+'</td>'+
    '<td data-label="Payment" class="payment">'+C.paymentCell(t.payment)+'</td>'+
    '<td data-label="Flags">'+(flags.length?flags.map(function(f){return '<span class="flag">'+C.esc(f)+'</span>'}).join(' '):'')+'</td></tr>';
}
var SESSION_TABLE='<table class="rows"><thead><tr><th scope="col">Session</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Energy</th><th scope="col">Charge</th><th scope="col">Payment</th><th scope="col">Flags</th></tr></thead><tbody id="sessions">';

C.route('dashboard','Dashboard',function(){
  return C.get('/dashboard').then(function(d){return summaryOf(d)||summaryFromLists()},function(e){
    if(C.missing(e))return summaryFromLists();throw e;
  }).then(function(s){
    var recent=s.recent?Promise.resolve(s.recent):C.get('/transactions?limit=8').then(function(p){return p.items});
    return recent.then(function(items){
      return '<h1>Dashboard</h1><div class="tiles">'+
        tile('Chargers online',String(s.online),'dash-online')+
        tile('Chargers offline',String(s.offline),'dash-offline')+
        tile('Charging now',String(s.live),'dash-live','sessions running')+
        tile('Energy today',C.kwh(s.energyMilliWh).replace(' kWh','<span class="unit">kWh</span>'),'dash-energy')+
        tile('Revenue today',C.moneyOf(s.revenue),'dash-revenue',s.provisional&&s.provisional.amountMinor?'+ '+C.moneyOf(s.provisional)+' not final yet':'gross, sessions started today')+
      '</div>'+(s.byStatus&&s.byStatus.length?'<p class="statusline">Connectors: '+s.byStatus.map(function(x){return C.pill(x.status)+' '+x.count}).join(' ')+'</p>':'')+
      (s.partial?'<p class="help">Too many chargers or sessions to count at once: these figures are partial.</p>':'')+'<div class="card"><div class="head"><h2>Recent sessions</h2><a href="#/sessions">All sessions →</a></div>'+
        (items.length?SESSION_TABLE+items.map(sessionRow).join('')+'</tbody></table>':C.empty('No sessions yet.'))+'</div>';
    });
  });
});
C.refresh(10);

C.route('sessions','Sessions',function(){
  return C.get('/transactions?limit=25').then(function(p){
    return '<h1>Sessions</h1><div class="card">'+(p.items.length?SESSION_TABLE+p.items.map(sessionRow).join('')+'</tbody></table>'+C.more('more-sessions',p.nextCursor):C.empty('No sessions yet.'))+'</div>';
  });
});
C.actions['more-sessions']=function(el){
  C.busy(el,true);
  C.get('/transactions?limit=25&cursor='+encodeURIComponent(el.getAttribute('data-cursor'))).then(function(p){
    C.$('sessions').insertAdjacentHTML('beforeend',p.items.map(sessionRow).join(''));
    el.parentNode.outerHTML=C.more('more-sessions',p.nextCursor);
  },C.failed('Could not load more sessions'));
};

var COMPONENT_NAMES={ENERGY:'Energy',TIME:'Charging time',PARKING:'Parking',FLAT:'Session fee',MINIMUM:'Minimum charge'};
function quantityOf(l){
  if(l.unit==='milliWh')return C.kwh(l.quantity);
  if(l.unit==='minute')return l.quantity+' min';
  return String(l.quantity);
}
function priceOf(l,currency){
  if(l.priceMilliMinor==null)return '';
  var per={milliWh:' per kWh',minute:' per hour',session:''}[l.unit]||'';
  return C.millis(l.priceMilliMinor,currency)+per;
}
/** A price in thousandths of a minor unit, as the tariff has it: 45500 GBP → £0.455. */
C.millis=function(milli,currency){
  var minor=Math.floor(milli/1000),rest=milli%1000;
  var text=C.money(minor,currency);
  if(!rest)return text;
  var frac=String(rest).padStart(3,'0').replace(/0+$/,'');
  return text.replace(/(\d+\.\d\d)/,'$1'+frac);
};
/**
 * A charge's lines with net, tax and total each. compact (the narrow sample receipt) folds the
 * quantity and the price under the item and leaves the net out of the lines.
 */
C.chargeLinesTable=function(lines,totals,id,compact){
  var cur=totals.currency;
  var item=function(l){return C.esc(COMPONENT_NAMES[l.component]||l.component)+(l.label?' <span class="sub">'+C.esc(l.label)+'</span>':'')};
  if(compact){
    return '<table class="lines compact" id="'+(id||'lines')+'"><thead><tr><th scope="col">Item</th><th scope="col">VAT</th><th scope="col" class="num">Total</th></tr></thead><tbody>'+
      lines.map(function(l){
        var detail=l.component==='FLAT'||l.component==='MINIMUM'?'':quantityOf(l)+' × '+priceOf(l,cur);
        return '<tr><th scope="row">'+item(l)+(detail?'<span class="sub">'+C.esc(detail)+'</span>':'')+'</th><td data-label="VAT">'+(l.taxRateBp/100)+'% · '+C.money(l.taxMinor,cur)+'</td><td class="num" data-label="Total">'+C.money(l.grossMinor,cur)+'</td></tr>';
      }).join('')+
      '</tbody><tfoot><tr><th scope="row">Total</th><td>VAT '+C.money(totals.taxMinor,cur)+'</td><td class="num total-cell">'+C.money(totals.grossMinor,cur)+'</td></tr></tfoot></table>';
  }
  return '<table class="lines" id="'+(id||'lines')+'"><thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Price</th><th scope="col">VAT</th><th scope="col" class="num">Net</th><th scope="col" class="num">Tax</th><th scope="col" class="num">Total</th></tr></thead><tbody>'+
    lines.map(function(l){
      return '<tr><th scope="row">'+item(l)+'</th><td data-label="Quantity">'+quantityOf(l)+'</td><td data-label="Price">'+C.esc(priceOf(l,cur))+'</td>'+
        '<td data-label="VAT">'+(l.taxRateBp/100)+'%</td><td class="num" data-label="Net">'+C.money(l.netMinor,cur)+'</td><td class="num" data-label="Tax">'+C.money(l.taxMinor,cur)+'</td><td class="num" data-label="Total">'+C.money(l.grossMinor,cur)+'</td></tr>';
    }).join('')+
    '</tbody><tfoot><tr><th scope="row">Total</th><td></td><td></td><td></td><td class="num">'+C.money(totals.netMinor,cur)+'</td><td class="num">'+C.money(totals.taxMinor,cur)+'</td><td class="num total-cell">'+C.money(totals.grossMinor,cur)+'</td></tr></tfoot></table>';
};

var PAYMENT_STATE_NAMES={'awaiting-payment':'awaiting card','held':'held','captured':'captured','partly-refunded':'partly refunded','refunded':'refunded','cancelled':'released','failed':'declined','expired':'expired'};
var PAYMENT_STATE_PILLS={'awaiting-payment':'pending','held':'pending','captured':'active','partly-refunded':'active','refunded':'stopped','cancelled':'stopped','failed':'rejected','expired':'rejected'};
function billedToText(b){
  return b?(b.kind==='fleet'?'fleet ':'group ')+b.name:'';
}
function billedToLink(b){
  return '<a href="#/'+(b.kind==='fleet'?'fleets':'groups')+'/'+encodeURIComponent(b.id)+'">'+C.esc(b.name)+'</a>'+(b.name!==b.id?' <span class="muted">'+C.esc(b.id)+'</span>':'');
}
/** The list's Payment cell: a card's state and what it took, or who a billed session is billed to. */
C.paymentCell=function(p){
  if(!p||p.method==='none')return '<span class="muted">Free</span>';
  if(p.method!=='card')return 'Billed'+(p.billedTo?' to '+C.esc(billedToText(p.billedTo)):'');
  if(!p.state)return 'Card';
  var amount=p.captured&&p.captured.amountMinor?' '+C.esc(C.moneyOf(p.captured)):p.hold&&p.state==='held'?' '+C.esc(C.moneyOf(p.hold)):'';
  return 'Card'+amount+' '+C.pill(PAYMENT_STATE_NAMES[p.state]||p.state,PAYMENT_STATE_PILLS[p.state]);
};
/** The session page's Payment card: every figure of a card payment, or how a session is billed. */
C.paymentCard=function(p){
  if(!p||p.method==='none')return '<p class="muted">Nothing is collected for this session: free use, or the owner’s own charger.</p>';
  if(p.method==='member-bill'||p.method==='fleet-bill'){
    var who=p.method==='fleet-bill'?'the fleet':'the group member';
    return '<dl class="kv two"><dt>Paid by</dt><dd>Billed to '+who+'</dd>'+(p.billedTo?'<dt>'+(p.billedTo.kind==='fleet'?'Fleet':'Group')+'</dt><dd>'+billedToLink(p.billedTo)+'</dd>':'')+'</dl>'+
      (p.method==='fleet-bill'?'<p class="help">It is on the fleet’s monthly statement.</p>':'');
  }
  if(!p.state)return '<dl class="kv two"><dt>Paid by</dt><dd>Card</dd></dl><p class="help">The card payment is being linked to this session: look again in a moment.</p>';
  var rows=[['Paid by','Card'],['Status',C.pill(PAYMENT_STATE_NAMES[p.state]||p.state,PAYMENT_STATE_PILLS[p.state])]];
  var money=function(label,m,id){if(m)rows.push([label,'<span id="'+id+'">'+C.esc(C.moneyOf(m))+'</span>'])};
  money('Card hold',p.hold,'pay-hold');
  money('Captured',p.captured,'pay-captured');
  money('Released to the card',p.released,'pay-released');
  money('Refunded',p.refunded,'pay-refunded');
  money('Refund pending',p.refundPending,'pay-refund-pending');
  money('Left to refund',p.refundable,'pay-refundable');
  money('Platform fee',p.platformFee,'pay-fee');
  if(p.paymentIntentId)rows.push(['Stripe payment','<code class="copyable" id="pay-intent">'+C.esc(p.paymentIntentId)+'</code>']);
  if(p.sessionId)rows.push(['Paid session','<code class="copyable">'+C.esc(p.sessionId)+'</code>']);
  return '<dl class="kv two">'+rows.map(function(r){return '<dt>'+r[0]+'</dt><dd>'+r[1]+'</dd>'}).join('')+'</dl>';
};

/** What the Refund form's help says can go back, from the payment's figures. */
function refundHelp(p){
  return 'Up to '+C.moneyOf(p.refundable)+' can go back to the card. Leave the amount blank to refund all of it; the driver gets a receipt by email.'+
    (p.refundPending?' '+C.moneyOf(p.refundPending)+' more is being refunded: Stripe has not confirmed it yet, and the platform finishes it within a few minutes.':'');
}
/** The refund form, for a captured card payment with something left to refund; amounts in pounds and pence. */
function refundCard(t){
  var p=t.payment;
  if(!p||p.method!=='card'||!p.refundable||p.refundable.amountMinor<=0)return '';
  return '<div class="card" id="refund"><h2>Refund</h2><form data-form="refund" class="stack" data-charger="'+C.esc(t.chargerId)+'" data-tx="'+C.esc(t.transactionId)+'" data-currency="'+C.esc(p.refundable.currency)+'">'+
    '<label for="refund-amount">Amount to refund</label><input id="refund-amount" name="amount" inputmode="decimal" autocomplete="off" placeholder="all of it" aria-describedby="refund-help">'+
    '<p class="help" id="refund-help">'+C.esc(refundHelp(p))+'</p>'+
    '<p class="message" role="alert" id="refund-message"></p><p id="refund-done" class="message ok" role="status"></p>'+
    '<button type="submit">Refund</button></form></div>';
}
/** "12.3" → 1230 minor units, by the digits (no float ever holds money). */
function minorOf(text){
  var m=/^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if(!m)throw new Error('Write the amount as pounds and pence, like 2.50.');
  return Number(m[1])*100+Number(((m[2]||'')+'00').slice(0,2));
}
function newKey(){
  return window.crypto&&crypto.randomUUID?crypto.randomUUID():'r-'+Date.now()+'-'+Math.random().toString(36).slice(2);
}
C.forms.refund=function(form,data){
  var text=C.field(data,'amount');
  var body=text?{amount:{amountMinor:minorOf(text),currency:form.getAttribute('data-currency')}}:{};
  var txPath='/chargers/'+encodeURIComponent(form.getAttribute('data-charger'))+'/transactions/'+encodeURIComponent(form.getAttribute('data-tx'));
  C.$('refund-done').textContent='';
  // One Idempotency-Key per refund: sending the same refund again after the answer was lost (a
  // dropped connection, a second click) gets the first refund's answer, never a second refund.
  var sent=JSON.stringify(body);
  if(form.getAttribute('data-sent')!==sent){form.setAttribute('data-sent',sent);form.setAttribute('data-key',newKey())}
  var forget=function(){form.removeAttribute('data-sent');form.removeAttribute('data-key')};
  return C.api('POST',txPath+'/refunds',body,{'idempotency-key':form.getAttribute('data-key')}).then(function(r){
    forget();
    C.$('refund-done').textContent='Refunded '+C.moneyOf(r.amount)+' ('+C.moneyOf(r.refundedTotal)+' in all; '+C.moneyOf(r.refundable)+' left to refund).';
    form.reset();
    // The payment's figures as the platform now has them (the refund is recorded when this answers).
    return C.get(txPath).then(function(a){
      C.$('payment').innerHTML=C.paymentCard(a.transaction.payment);
      if(a.transaction.payment.refundable)C.$('refund-help').textContent=refundHelp(a.transaction.payment);
    });
  },function(e){
    if(e instanceof C.ApiError)throw e;
    throw new Error('No answer came back (the connection dropped), so the refund may or may not have been made. Press Refund again with the same amount: it is never refunded twice.');
  });
};

C.route('sessions/:charger/:tx','Session',function(chargerId,tx){
  return C.get('/chargers/'+encodeURIComponent(chargerId)+'/transactions/'+encodeURIComponent(tx)).then(function(r){
    var t=r.transaction,ch=t.charge;
    return '<p class="crumbs"><a href="#/sessions">Sessions</a> /</p><div class="head"><h1>Session '+C.esc(t.transactionId)+'</h1>'+C.pill(t.status)+'</div>'+
      '<div class="cols"><div class="card"><h2>Session</h2><dl class="kv two">'+
        '<dt>Charger</dt><dd><a href="#/chargers/'+encodeURIComponent(t.chargerId)+'">'+C.esc(t.chargerId)+'</a>'+(t.connectorId?' · connector '+t.connectorId:'')+'</dd>'+
        '<dt>Id tag</dt><dd>'+C.esc(t.idTag||'—')+'</dd>'+
        '<dt>Started</dt><dd>'+C.when(t.startedAt)+'</dd><dt>Stopped</dt><dd>'+C.when(t.stoppedAt)+(t.stopReason?' ('+C.esc(t.stopReason)+')':'')+'</dd>'+
        '<dt>Duration</dt><dd>'+(ch?C.duration(ch.durationSeconds):'—')+'</dd>'+
        '<dt>Energy</dt><dd id="session-energy">'+C.kwh(t.energyMilliWh)+'</dd>'+
        '<dt>Tariff</dt><dd>'+(t.tariffId?'<a href="#/tariffs/'+encodeURIComponent(t.tariffId)+'">'+C.esc(t.tariffId)+'</a>':'—')+'</dd>'+
        '<dt>Meter readings</dt><dd>'+C.esc(t.meterValueMessageCount)+(t.meterValueMessageCount===1?' message':' messages')+'</dd>'+
        (t.flags.length?'<dt>Flags</dt><dd>'+t.flags.map(function(f){return '<span class="flag">'+C.esc(f)+'</span>'}).join(' ')+'</dd>':'')+
      '</dl></div><div class="card"><h2>Payment</h2><div id="payment">'+C.paymentCard(t.payment)+'</div></div></div>'+
      '<div class="card"><h2>Charge'+(t.status==='final'?'':' so far')+'</h2>'+(ch?C.chargeLinesTable(ch.lines,ch.totals,'session-lines'):C.empty('Not priced yet.'))+'</div>'+
      refundCard(t);
  },function(e){if(e.status===404&&!C.missing(e))return '<div class="card"><h1>Session not found</h1><p class="empty">No session '+C.esc(tx)+' on charger '+C.esc(chargerId)+'.</p></div>';throw e});
});
`;
