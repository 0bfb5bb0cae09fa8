/**
 * The console's fleets and their billing. The list shows each fleet's billing settings (invoiced
 * through Stripe or statement only, and who gets the statement); a fleet's page lets the operator
 * change them (`PATCH /api/v1/fleets/{fleetId}`: a fleet with payment needs a billing contact, and
 * the API's message says so) and lists its monthly statements: the month's sessions, energy and
 * total, the sessions it left off and why, the Stripe invoice's state (paid, with the platform fee and
 * the transfer to the operator), the PDF and CSV (the session cookie carries the links), and
 * "Send again" to the billing contact.
 */
export const FLEETS_SCRIPT = `
function billingPill(f){return f.withPayment?C.pill('invoiced','active'):C.pill('statement only','pending')}
function contactText(c){return c?(c.name?c.name+' · ':'')+c.email:''}

C.route('fleets','Fleets',function(){
  return C.listSection({title:'Fleets',path:'/fleets',id:'fleets',columns:['Fleet','Billing','Billing contact','Tariff'],
    empty:'No fleets yet. A fleet’s cards charge at every site, billed to the fleet with a statement each month.',
    intro:'Each month a fleet gets a statement of its sessions; a fleet with payment is also invoiced through Stripe.',
    row:function(f){return ['<a href="#/fleets/'+encodeURIComponent(f.fleetId)+'">'+C.esc(f.name)+'</a><span class="sub">'+C.esc(f.fleetId)+'</span>',
      billingPill(f),f.billingContact?C.esc(contactText(f.billingContact)):'<span class="muted">the operator’s contact</span>',f.tariffId?C.esc(f.tariffId):'—']},
    form:'<h2>Add a fleet</h2><form data-form="fleet" class="stack"><label for="fleet-id">Fleet id</label><input id="fleet-id" name="fleetId" required pattern="[A-Za-z0-9._-]{1,64}">'+
      '<label for="fleet-name">Name</label><input id="fleet-name" name="name" required><button>Save fleet</button><p class="message" role="alert"></p></form>'});
});
C.forms.fleet=function(form,data){
  var id=C.field(data,'fleetId'),name=C.field(data,'name');
  // Created with POST; an id that exists already is renamed instead.
  return C.api('POST','/fleets',{fleetId:id,name:name}).catch(function(e){
    if(e.status===409)return C.api('PATCH','/fleets/'+encodeURIComponent(id),{name:name});throw e;
  }).then(function(){C.pending=['Fleet '+name+' is saved.','ok'];C.go('#/fleets/'+encodeURIComponent(id))},C.orUnavailable('Saving fleets'));
};

function billingForm(f){
  var c=f.billingContact||{};
  return '<h2>Billing</h2><p>'+billingPill(f)+'</p><form data-form="fleet-billing" data-fleet="'+C.esc(f.fleetId)+'" class="stack">'+
    '<label class="check"><input type="checkbox" name="withPayment"'+(f.withPayment?' checked':'')+'> Invoice the month’s total through Stripe</label>'+
    '<label for="billing-email">Billing contact email</label><input id="billing-email" name="email" type="email" value="'+C.esc(c.email||'')+'" autocomplete="off" aria-describedby="billing-help">'+
    '<label for="billing-name">Billing contact name</label><input id="billing-name" name="name" value="'+C.esc(c.name||'')+'" maxlength="120" autocomplete="off">'+
    '<p class="help" id="billing-help">The statement (and, with payment, the invoice) goes here each month; without a contact, the statement goes to your own contact address.</p>'+
    '<button>Save billing</button><p class="message" role="alert"></p></form>';
}
C.forms['fleet-billing']=function(form,data){
  var email=C.field(data,'email'),name=C.field(data,'name');
  var body={withPayment:data.get('withPayment')==='on',billingContact:email?(name?{email:email,name:name}:{email:email}):null};
  return C.api('PATCH','/fleets/'+encodeURIComponent(form.getAttribute('data-fleet')),body).then(function(r){
    C.saved('Billing of '+r.fleet.name+' is saved.');
  });
};

var STATEMENT_TABLE='<table class="rows"><thead><tr><th scope="col">Month</th><th scope="col">Sessions</th><th scope="col">Energy</th><th scope="col" class="num">Total</th><th scope="col">Invoice</th><th scope="col">Emailed</th><th scope="col"><span class="sr-only">Files and actions</span></th></tr></thead><tbody id="statements">';
var LEFT_OFF={'other-currency':'charged in another currency',unpriceable:'could not be priced'};
function invoiceCell(s){
  if(!s.invoice)return '<span class="muted">no invoice</span>';
  var i=s.invoice,paid=i.status==='paid';
  var out=C.pill(paid?'invoice paid':i.status==='sent'?'invoice sent':'invoice created',paid||i.status==='sent'?'active':'pending')+
    (i.number?'<span class="sub">'+C.esc(i.number)+'</span>':'')+(paid&&i.paidAt?'<span class="sub">paid '+C.when(i.paidAt)+'</span>':'');
  var t=s.transfer;
  // The fee is the sum of each session's fee; what is left goes to the operator's Stripe account.
  if(t)out+='<span class="sub" data-transfer="'+C.esc(t.status)+'">fee '+C.money(t.platformFee.amountMinor,t.platformFee.currency)+' · '+
    (t.status==='paid'?'transferred ':'transfer pending ')+C.money(t.amount.amountMinor,t.amount.currency)+'</span>';
  return out;
}
function leftOff(s){
  return (s.excludedSessions||[]).map(function(x){
    return '<span class="sub" data-left-off="'+C.esc(x.chargerId)+'#'+C.esc(x.transactionId)+'">left off: '+C.esc(x.chargerId)+' #'+C.esc(x.transactionId)+', '+C.esc(LEFT_OFF[x.reason]||x.reason)+'</span>';
  }).join('');
}
function statementRow(fleetId,s){
  var base='/api/v1/fleets/'+encodeURIComponent(fleetId)+'/statements/'+encodeURIComponent(s.month)+'/statement.';
  var invoice=invoiceCell(s);
  return '<tr data-month="'+C.esc(s.month)+'"><th scope="row" class="nowrap">'+C.esc(s.month)+'</th><td data-label="Sessions">'+C.esc(s.sessionCount)+leftOff(s)+'</td><td data-label="Energy" class="nowrap">'+C.kwh(s.energyMilliWh)+'</td>'+
    '<td class="num" data-label="Total">'+C.money(s.grossMinor,s.currency)+'<span class="sub">VAT '+C.money(s.taxMinor,s.currency)+'</span></td><td data-label="Invoice">'+invoice+'</td>'+
    '<td data-label="Emailed">'+(s.emailedTo?C.esc(s.emailedTo)+'<span class="sub">'+C.when(s.emailedAt)+'</span>':'—')+'</td>'+
    '<td class="actions"><a href="'+base+'pdf" download>PDF</a> · <a href="'+base+'csv" download>CSV</a> '+
    '<button type="button" class="small secondary" data-action="send-statement" data-fleet="'+C.esc(fleetId)+'" data-month="'+C.esc(s.month)+'">Send again</button></td></tr>';
}
C.route('fleets/:id','Fleet',function(id){
  var path='/fleets/'+encodeURIComponent(id);
  var statements=C.get(path+'/statements?limit=24').catch(function(e){if(e.status===404)return null;throw e});
  var cards=C.get(path+'/cards?limit=100').catch(function(e){if(e.status===404)return null;throw e});
  return Promise.all([C.get(path),statements,cards]).then(function(r){
    var f=r[0].fleet,list=r[1],c=r[2];
    var cardCount=c?c.items.length+(c.nextCursor?'+':''):'—';
    // Listed oldest first by the API: the newest month reads first here.
    var items=list?list.items.slice().reverse():[];
    var table=list===null?C.empty('Statements are not available on this platform yet.'):
      items.length?STATEMENT_TABLE+items.map(function(s){return statementRow(id,s)}).join('')+'</tbody></table>'+C.more('more-statements',list.nextCursor,'Later months'):
      C.empty('No statements yet: the first one is made on the 1st of next month.');
    return '<p class="crumbs"><a href="#/fleets">Fleets</a> /</p><div class="head"><h1>'+C.esc(f.name)+'</h1><span class="muted">'+C.esc(f.fleetId)+'</span></div>'+
      '<div class="cols"><div class="card">'+billingForm(f)+'</div><div class="card"><h2>Cards and price</h2><dl class="kv two"><dt>Cards</dt><dd id="fleet-cards">'+C.esc(cardCount)+'</dd><dt>Tariff</dt><dd>'+(f.tariffId?'<a href="#/tariffs/'+encodeURIComponent(f.tariffId)+'">'+C.esc(f.tariffId)+'</a>':'the site’s price')+'</dd></dl>'+
        '<p class="help">The fleet’s cards charge at every site; each session goes on the month’s statement.</p></div></div>'+
      '<div class="card" id="fleet-statements" data-fleet="'+C.esc(id)+'"><h2>Monthly statements</h2>'+table+'</div>';
  },function(e){if(e.status===404&&!C.missing(e))return '<div class="card"><h1>Fleet not found</h1><p class="empty">No fleet '+C.esc(id)+'.</p></div>';throw e});
});
C.actions['more-statements']=function(el){
  var id=C.$('fleet-statements').getAttribute('data-fleet');
  C.busy(el,true);
  C.get('/fleets/'+encodeURIComponent(id)+'/statements?limit=24&cursor='+encodeURIComponent(el.getAttribute('data-cursor'))).then(function(p){
    C.$('statements').insertAdjacentHTML('afterbegin',p.items.slice().reverse().map(function(s){return statementRow(id,s)}).join(''));
    el.parentNode.outerHTML=C.more('more-statements',p.nextCursor,'Later months');
  },C.failed('Could not load more statements'));
};
C.actions['send-statement']=function(el){
  C.busy(el,true);
  C.api('POST','/fleets/'+encodeURIComponent(el.getAttribute('data-fleet'))+'/statements/'+encodeURIComponent(el.getAttribute('data-month'))+'/send',{}).then(function(r){
    C.busy(el,false);C.notice('The statement of '+el.getAttribute('data-month')+' is on its way to '+r.sentTo+'.','ok');
  },function(e){C.busy(el,false);C.notice('Could not send the statement: '+e.message,'bad')});
};
`;
