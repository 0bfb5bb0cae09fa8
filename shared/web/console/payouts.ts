/**
 * The console's money side: "Getting paid" (the Stripe account's onboarding state, with a button
 * that emails the owner a fresh invitation link, or opens Stripe's dashboard once ready) and the
 * payouts with their invoices (`GET /api/v1/payouts`), each one's detailed invoice emailed on
 * request. A failed payout shows Stripe's reason. Amounts arrive as integer minor units.
 *
 * The onboarding state in four words, from the account the API gives:
 * - not started: no account yet;
 * - ready: transfers can land and Stripe pays out;
 * - invitation sent: the platform's link is still valid and Stripe has not had the details yet;
 * - details due: otherwise (the link lapsed, or Stripe wants more).
 */
export const PAYOUTS_SCRIPT = `
function gettingPaidState(a){
  if(!a)return 'not started';
  if(a.canReceiveTransfers&&a.payoutsEnabled)return 'ready';
  if(!a.detailsSubmitted&&a.invitationExpiresAt&&new Date(a.invitationExpiresAt)>new Date())return 'invitation sent';
  return 'details due';
}
var GETTING_PAID_PILL={'not started':'pending','invitation sent':'pending','details due':'rejected','ready':'active'};
function gettingPaidCard(a){
  var state=gettingPaidState(a);
  var lines={
    'not started':'Drivers’ card payments reach you through Stripe. Start by asking for your onboarding link: it is emailed to the owner and works for 7 days.',
    'invitation sent':'Your onboarding link was emailed'+(a&&a.invitationExpiresAt?' and works until '+C.when(a.invitationExpiresAt):'')+'. Open it, sign in, and give Stripe your details.',
    'details due':'Stripe still needs details before it can pay you'+(a&&a.requirementsDue&&a.requirementsDue.length?' ('+a.requirementsDue.length+' item'+(a.requirementsDue.length===1?'':'s')+')':'')+'. Ask for a new link to finish.',
    'ready':'Your account can receive your takings; Stripe pays them out to your bank automatically.'
  }[state];
  var button=state==='ready'?
    '<button type="button" class="secondary" data-action="stripe-dashboard">Open the Stripe dashboard</button>':
    '<button type="button" data-action="onboarding-link">'+(state==='not started'?'Email me the onboarding link':'Email me a new invitation link')+'</button>';
  return '<div class="card stack" id="getting-paid"><h2>Getting paid</h2><p>'+C.pill(state,GETTING_PAID_PILL[state])+'</p><p class="muted">'+C.esc(lines)+'</p>'+
    (a&&a.requirementsDue&&a.requirementsDue.length&&state!=='ready'?'<p class="help">Due: '+a.requirementsDue.map(C.esc).join(', ')+'</p>':'')+
    '<p>'+button+'</p><p class="message" id="getting-paid-message" role="alert"></p></div>';
}
var PAYOUT_TABLE='<table class="rows"><thead><tr><th scope="col">Invoice</th><th scope="col">Paid on</th><th scope="col">Amount</th><th scope="col">Gross</th><th scope="col">Fees</th><th scope="col">Refunds</th><th scope="col">Sessions</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="payouts">';
function payoutRow(p){
  var i=p.invoice,m=function(minor){return C.money(minor,p.currency)};
  var status=p.status==='failed'?
    C.pill('failed','rejected')+(p.failure?'<span class="sub failure">'+C.esc(p.failure.message)+' ('+C.esc(p.failure.code)+')</span>':''):
    C.pill(p.status,p.status==='paid'?'active':'pending');
  return '<tr data-payout="'+C.esc(p.payoutId)+'"><th scope="row">'+(i?C.esc(i.number):'—')+'<span class="sub">'+C.esc(p.payoutId)+'</span></th>'+
    '<td data-label="Paid on">'+C.when(p.arrivalDate)+'</td>'+
    '<td data-label="Amount">'+m(p.amountMinor)+'</td>'+
    '<td data-label="Gross">'+(i?m(i.grossTakingsMinor):'—')+'</td>'+
    '<td data-label="Fees">'+(i?m(-i.feesMinor):'—')+'</td>'+
    '<td data-label="Refunds">'+(i?m(-i.refundsMinor):'—')+'</td>'+
    '<td data-label="Sessions">'+(i?i.sessionCount:'—')+'</td>'+
    '<td data-label="Status">'+status+'</td>'+
    '<td data-label="Actions" class="actions">'+(i?'<button type="button" class="small secondary" data-action="email-detailed-invoice" data-payout="'+C.esc(p.payoutId)+'">Email detailed invoice</button>':'')+'</td></tr>';
}
C.route('payouts','Payouts',function(){
  var account=C.get('/payments/account').then(function(r){return r.account},function(e){if(C.missing(e))return undefined;throw e});
  var payouts=C.get('/payouts?limit=25').catch(function(e){if(C.missing(e))return null;throw e});
  return Promise.all([account,payouts]).then(function(r){
    var list=r[1];
    var table=list===null?C.empty('Payouts are not available on this platform yet.'):
      list.items.length?PAYOUT_TABLE+list.items.map(payoutRow).join('')+'</tbody></table>'+C.more('more-payouts',list.nextCursor):
      C.empty('No payouts yet: Stripe pays your takings out daily once your account is ready.');
    return '<h1>Payouts</h1>'+(r[0]===undefined?'':gettingPaidCard(r[0]))+
      '<div class="card"><h2>Payouts and invoices</h2><p class="muted">Each payout’s invoice is emailed to you when it is paid. The detailed invoice lists every session in it (PDF and HTML); ask for it here, or have it sent with every payout in Settings.</p>'+table+'</div>';
  });
});
C.actions['more-payouts']=function(el){
  C.busy(el,true);
  C.get('/payouts?limit=25&cursor='+encodeURIComponent(el.getAttribute('data-cursor'))).then(function(p){
    C.$('payouts').insertAdjacentHTML('beforeend',p.items.map(payoutRow).join(''));C.$('payouts').setAttribute('data-paged','1');
    el.parentNode.outerHTML=C.more('more-payouts',p.nextCursor);
  },function(e){C.busy(el,false);C.notice('Could not load more payouts: '+e.message,'bad')});
};
C.actions['email-detailed-invoice']=function(el){
  var id=el.getAttribute('data-payout');
  C.busy(el,true);
  C.api('POST','/payouts/'+encodeURIComponent(id)+'/detailed-invoice').then(function(r){
    C.busy(el,false);C.notice('The detailed invoice '+r.invoiceNumber+' is on its way to '+r.to+'.','ok');
  },function(e){C.busy(el,false);C.notice('Could not send the detailed invoice: '+e.message,'bad')});
};
C.actions['onboarding-link']=function(el){
  C.busy(el,true);
  C.api('POST','/payments/onboarding',{}).then(function(r){
    C.pending=['A new onboarding link is on its way to '+r.email+'; it works until '+C.when(r.expiresAt)+'.','ok'];C.render();
  },function(e){
    C.busy(el,false);
    var why=e.code==='owner_only'?'Only an owner, signed in to the console, can ask for the onboarding link.':e.message;
    C.$('getting-paid-message').textContent=why;
  });
};
C.actions['stripe-dashboard']=function(el){
  C.busy(el,true);
  C.api('POST','/payments/dashboard-link',{}).then(function(r){location.assign(r.url)},function(e){
    C.busy(el,false);C.$('getting-paid-message').textContent=e.message;
  });
};
`;
