/**
 * The console's API keys (list, create, rotate, revoke: a new key is shown once, the platform keeps
 * only its hash) and the operator's settings and branding. Settings are saved with
 * `PATCH /api/v1/operator`; a platform without that route shows them read-only and says so.
 */
export const SETTINGS_SCRIPT = `
function keyRow(k){
  return '<tr data-key="'+C.esc(k.keyId)+'"><th scope="row">'+C.esc(k.label)+'<span class="sub">'+C.esc(k.keyId)+'</span></th>'+
    '<td data-label="Status">'+C.pill(k.status,k.status==='active'?'active':k.status==='expiring'?'pending':'rejected')+(k.status==='expiring'&&k.revokedAt?'<span class="sub">until '+C.when(k.revokedAt)+'</span>':'')+'</td>'+
    '<td data-label="Created">'+C.when(k.createdAt)+'</td>'+
    '<td data-label="Actions" class="actions">'+(k.status==='revoked'?'':
      '<button type="button" class="small secondary" data-action="rotate-key" data-key="'+C.esc(k.keyId)+'">Rotate</button> <button type="button" class="small danger" data-action="revoke-key" data-key="'+C.esc(k.keyId)+'">Revoke</button>')+'</td></tr>';
}
C.route('api-keys','API keys',function(){
  return C.all('/api-keys',5).then(function(keys){
    return '<h1>API keys</h1><p class="muted">For machines (your billing system, scripts): sent as <code>Authorization: Bearer &lt;key&gt;</code>, never in a URL. People sign in instead.</p>'+
      '<div id="new-key"></div><div class="cols"><div class="card">'+(keys.length?'<table class="rows"><thead><tr><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="keys">'+keys.map(keyRow).join('')+'</tbody></table>':C.empty('No API keys yet.'))+'</div>'+
      '<div class="card"><h2>Create a key</h2><form data-form="create-key" class="stack"><label for="key-label">What it is for</label><input id="key-label" name="label" required maxlength="80" placeholder="e.g. billing export">'+
      '<button>Create key</button><p class="message" role="alert"></p></form>'+
      '<div class="stack"><h3>Rotating</h3><p class="help">Rotating issues a new key; the old one keeps working for a grace period so the machine can switch over.</p><label for="grace">Grace period (hours)</label><input id="grace" type="number" min="0" max="168" value="24"></div></div></div>';
  });
});
function showKey(title,key){
  C.$('new-key').innerHTML=C.secret(title,[['API key',key]]);
  C.$('new-key').querySelector('h2').focus();
}
function reloadKeys(){return C.all('/api-keys',5).then(function(keys){var t=C.$('keys');if(t)t.innerHTML=keys.map(keyRow).join('');else C.render()})}
C.forms['create-key']=function(form,data){
  return C.api('POST','/api-keys',{label:C.field(data,'label')}).then(function(r){
    form.reset();return reloadKeys().then(function(){showKey('New key “'+r.apiKey.label+'”',r.key)});
  });
};
C.actions['rotate-key']=function(el){
  var id=el.getAttribute('data-key'),hours=Math.max(0,Math.min(168,Math.round(Number(C.$('grace').value)||0)));
  if(!confirm('Rotate this key? The old key keeps working for '+hours+' hours.'))return;
  C.busy(el,true);
  C.api('POST','/api-keys/'+encodeURIComponent(id)+'/rotate',{graceSeconds:hours*3600}).then(function(r){
    return reloadKeys().then(function(){showKey('The new key for “'+r.apiKey.label+'”',r.key)});
  },function(e){C.busy(el,false);C.notice('Could not rotate the key: '+e.message,'bad')});
};
C.actions['revoke-key']=function(el){
  var id=el.getAttribute('data-key');
  if(!confirm('Revoke this key now? Machines using it are refused at once.'))return;
  C.busy(el,true);
  C.api('DELETE','/api-keys/'+encodeURIComponent(id)).then(function(){return reloadKeys()}).then(function(){C.notice('The key is revoked.','ok')},function(e){C.busy(el,false);C.notice('Could not revoke the key: '+e.message,'bad')});
};

// ---- settings and branding --------------------------------------------------------------------------
C.route('settings','Settings',function(){
  return C.get('/operator').then(function(r){
    var op=r.operator,b=op.branding||{};C.state.operator=op;
    var input=function(id,name,label,value,extra){return '<label for="'+id+'">'+label+'</label><input id="'+id+'" name="'+name+'" value="'+C.esc(value==null?'':value)+'"'+(extra||'')+'>'};
    return '<h1>Settings</h1><form data-form="settings" class="cols"><div class="card stack"><h2>Operator</h2>'+
      input('set-name','name','Name',op.name,' required')+
      '<span class="label">Kind</span><p class="static">'+C.esc(op.kind)+'</p>'+
      input('set-currency','currency','Currency',op.currency,' pattern="[A-Z]{3}" size="4"')+
      input('set-tz','timeZone','Time zone',op.timeZone||'',' placeholder="Europe/London"')+
      input('set-preauth','preAuth','Card pre-authorisation ('+C.esc(op.currency)+')',C.formatMillis(op.preAuthAmount.amountMinor*1000),' inputmode="decimal" size="8"')+
      '<span class="help">Held on a driver’s card before a paid session; the session stops before its charge reaches it.</span>'+
      '<span class="label">Contact email</span><p class="static">'+C.esc(op.contactEmail)+'</p>'+
      '<label class="check"><input type="checkbox" name="allow-pending-chargers"'+(op.flags.indexOf('allow-pending-chargers')>=0?' checked':'')+'> Chargers may register themselves (then wait for approval)</label>'+
      '<label class="check"><input type="checkbox" name="allow-free-use"'+(op.flags.indexOf('allow-free-use')>=0?' checked':'')+'> Free use allowed on unpaid chargers</label>'+
      '<label class="check"><input type="checkbox" name="bill-members"'+(op.flags.indexOf('bill-members')>=0?' checked':'')+'> Group members may charge now and be billed later</label>'+
      '<label class="check"><input type="checkbox" name="send-detailed-invoices"'+(op.flags.indexOf('send-detailed-invoices')>=0?' checked':'')+'> Email the detailed invoice (every session, PDF) with every payout</label>'+
      '</div><div class="card stack"><h2>Branding</h2><p class="muted">What drivers see on the start page, the session page and receipts.</p>'+
      input('set-colour','primaryColour','Colour (#rrggbb)',b.primaryColour||'',' pattern="#[0-9a-fA-F]{6}" placeholder="#0b7a53" size="8"')+
      input('set-logo','logoUrl','Logo URL (https)',b.logoUrl||'',' type="url" placeholder="https://…"')+
      input('set-support-email','supportEmail','Support email',b.supportEmail||'',' type="email"')+
      input('set-support-phone','supportPhone','Support phone',b.supportPhone||'',' type="tel"')+
      '<button>Save settings</button><p class="message" role="alert"></p></div></form>';
  });
});
C.forms.settings=function(form,data){
  var preAuth=C.parseMillis(data.get('preAuth'));
  if(!preAuth||preAuth%1000)throw new Error('The pre-authorisation is an amount like 20.00.');
  var branding={};['primaryColour','logoUrl','supportEmail','supportPhone'].forEach(function(k){if(C.field(data,k))branding[k]=C.field(data,k)});
  // The flags are sent as a full set: one this page does not show is sent back as it was.
  var shown=['allow-pending-chargers','allow-free-use','bill-members','send-detailed-invoices'];
  var kept=((C.state.operator&&C.state.operator.flags)||[]).filter(function(f){return shown.indexOf(f)<0});
  var flags=kept.concat(shown.filter(function(f){return data.get(f)==='on'}));
  var currency=C.field(data,'currency');
  var body={name:C.field(data,'name'),currency:currency,preAuthAmount:{amountMinor:preAuth/1000,currency:currency},flags:flags,branding:branding};
  if(C.field(data,'timeZone'))body.timeZone=C.field(data,'timeZone');
  return C.api('PATCH','/operator',body).then(function(r){
    if(r.operator){C.state.operator=r.operator;C.$('opname').textContent=r.operator.name}
    C.notice('Settings are saved.','ok');
  },function(e){if(C.missing(e))throw new Error('Changing settings is not available on this platform yet: they are shown as they are.');throw e});
};
`;
