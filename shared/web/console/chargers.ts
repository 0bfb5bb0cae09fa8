/**
 * The console's chargers: the list (connection and connector status, approval of chargers that
 * registered themselves), one charger (connection URL, QR codes per connector, remote commands),
 * and adding a charger, whose password the browser makes and shows once (the platform keeps only
 * its hash, so nobody can show it again).
 *
 * The QR images and the PNG downloads are plain same-origin URLs: the session cookie goes with
 * them, so no key has to be put into a link.
 */
export const CHARGERS_SCRIPT = `
function connectorPills(c){
  var list=(c.connectors||[]).filter(function(k){return k.connectorId>0});
  if(!list.length)return '<span class="muted">no status yet</span>';
  return list.map(function(k){return '<span class="conn">#'+k.connectorId+' '+C.pill(k.status)+'</span>'}).join(' ');
}
function chargerRow(c){
  var online=c.connection.status==='online';
  return '<tr data-charger-row="'+C.esc(c.chargerId)+'"><th scope="row"><a href="#/chargers/'+encodeURIComponent(c.chargerId)+'">'+C.esc(c.chargerId)+'</a>'+
    '<span class="sub">'+C.esc([c.vendor,c.model].filter(Boolean).join(' ')||c.accessMode+(c.paid?' · paid':' · free'))+'</span></th>'+
    '<td data-label="Registration">'+C.pill(c.registration)+(c.registration==='pending'?' <button type="button" class="small" data-action="approve" data-charger="'+C.esc(c.chargerId)+'">Approve</button>':'')+'</td>'+
    '<td data-label="Link">'+C.pill(online?'online':'offline')+'</td>'+
    '<td data-label="Connectors">'+connectorPills(c)+'</td>'+
    '<td data-label="Last heartbeat">'+C.when(c.lastHeartbeatAt)+'</td></tr>';
}
var CHARGER_TABLE='<table class="rows"><thead><tr><th scope="col">Charger</th><th scope="col">Registration</th><th scope="col">Link</th><th scope="col">Connectors</th><th scope="col">Last heartbeat</th></tr></thead><tbody id="chargers">';

C.route('chargers','Chargers',function(){
  return C.get('/chargers?limit=50').then(function(p){
    return '<div class="head"><h1>Chargers</h1><a class="button" href="#/chargers-new">Add a charger</a></div>'+
      '<div class="card">'+(p.items.length?CHARGER_TABLE+p.items.map(chargerRow).join('')+'</tbody></table>'+C.more('more-chargers',p.nextCursor):
        C.empty('No chargers yet. Add one, or let chargers register themselves under a claimed id prefix.'))+'</div>';
  });
});
C.refresh(15);
C.actions['more-chargers']=function(el){
  C.busy(el,true);
  C.get('/chargers?limit=50&cursor='+encodeURIComponent(el.getAttribute('data-cursor'))).then(function(p){
    C.$('chargers').insertAdjacentHTML('beforeend',p.items.map(chargerRow).join(''));C.$('chargers').setAttribute('data-paged','1');
    el.parentNode.outerHTML=C.more('more-chargers',p.nextCursor);
  },C.failed('Could not load more chargers'));
};
C.actions.approve=function(el){
  var id=el.getAttribute('data-charger');
  C.busy(el,true);
  C.api('POST','/chargers/'+encodeURIComponent(id)+'/approve').then(function(){
    return C.get('/chargers/'+encodeURIComponent(id));
  }).then(function(r){
    var row=document.querySelector('[data-charger-row="'+CSS.escape(id)+'"]');
    if(row)row.outerHTML=chargerRow(r.charger);else C.render();
    C.notice('Charger '+id+' is approved: its next BootNotification is accepted.','ok');
  },function(e){C.busy(el,false);C.notice('Could not approve '+id+': '+e.message,'bad')});
};

/**
 * Where a charger connects. The API says so when it knows; otherwise it is this host's OCPP path,
 * as the platform's CloudFront serves it (wss://host/ocpp/{chargerId}).
 */
function connectionUrlOf(c){
  if(c.connectionUrl)return {url:c.connectionUrl,derived:false};
  return {url:(location.protocol==='https:'?'wss://':'ws://')+location.host+'/ocpp/'+encodeURIComponent(c.chargerId),derived:true};
}

var COMMANDS={
  Reset:{type:'Soft'},
  UnlockConnector:{connectorId:1},
  ChangeAvailability:{connectorId:0,type:'Inoperative'},
  TriggerMessage:{requestedMessage:'StatusNotification'},
  RemoteStartTransaction:{connectorId:1,idTag:''},
  RemoteStopTransaction:{transactionId:0},
  GetConfiguration:{},
  ChangeConfiguration:{key:'HeartbeatInterval',value:'300'},
  ClearCache:{}
};

C.route('chargers/:id','Charger',function(id){
  return C.get('/chargers/'+encodeURIComponent(id)).then(function(r){
    var c=r.charger,online=c.connection.status==='online',conn=connectionUrlOf(c);
    var qrs='';
    for(var i=1;i<=c.connectorCount;i++){
      var base='/api/v1/chargers/'+encodeURIComponent(c.chargerId)+'/connectors/'+i+'/qr';
      qrs+='<figure class="qr-card"><img class="qr" src="'+C.esc(base)+'.svg" alt="QR code of connector '+i+'" width="160" height="160"><figcaption>Connector '+i+
        ' · <a href="'+C.esc(base)+'.png" download>PNG</a> · <a href="'+C.esc(base)+'.svg" target="_blank" rel="noopener">SVG</a></figcaption></figure>';
    }
    var commandOptions=Object.keys(COMMANDS).map(function(a){return '<option>'+a+'</option>'}).join('');
    return '<p class="crumbs"><a href="#/chargers">Chargers</a> /</p><div class="head"><h1>'+C.esc(c.chargerId)+'</h1>'+C.pill(online?'online':'offline')+' '+C.pill(c.registration)+
      (c.registration==='pending'?' <button type="button" class="small" data-action="approve" data-charger="'+C.esc(c.chargerId)+'">Approve</button>':'')+'</div>'+
      '<div class="cols"><div class="card"><h2>Details</h2><dl class="kv two">'+
        '<dt>Access</dt><dd>'+C.esc(c.accessMode)+(c.paid?' · paid':' · free')+'</dd>'+
        '<dt>Site</dt><dd>'+(c.siteId?C.esc(c.siteId):'—')+'</dd>'+
        '<dt>Tariff</dt><dd>'+(c.tariffId?'<a href="#/tariffs/'+encodeURIComponent(c.tariffId)+'">'+C.esc(c.tariffId)+'</a>':'—')+'</dd>'+
        '<dt>Hardware</dt><dd>'+C.esc([c.vendor,c.model,c.firmwareVersion&&'firmware '+c.firmwareVersion].filter(Boolean).join(' · ')||'—')+'</dd>'+
        (c.connection.connectedAt?'<dt>Connected since</dt><dd>'+C.when(c.connection.connectedAt)+'</dd>':'')+
        '<dt>Last heartbeat</dt><dd>'+C.when(c.lastHeartbeatAt)+'</dd>'+
        '<dt>Connection URL</dt><dd><code class="copyable" id="connection-url">'+C.esc(conn.url)+'</code> <button type="button" class="link" data-action="copy">Copy</button>'+
          (conn.derived?'<span class="sub">This console’s host; the charger authenticates with HTTP basic auth (its id and password).</span>':'')+'</dd>'+
        '<dt>Connectors</dt><dd>'+connectorPills(c)+'</dd></dl></div>'+
      '<div class="card"><h2>Send a command</h2><form data-form="command" class="stack" data-charger="'+C.esc(c.chargerId)+'">'+
        '<label for="cmd-action">Command</label><select id="cmd-action" name="action" data-action-select="1">'+commandOptions+'</select>'+
        '<label for="cmd-payload">Payload (OCPP 1.6 JSON)</label><textarea id="cmd-payload" name="payload" rows="4" spellcheck="false">'+C.esc(JSON.stringify(COMMANDS.Reset))+'</textarea>'+
        '<button>Send</button>'+(online?'':' <span class="muted">The charger is offline: a command is not sent.</span>')+'<p class="message" role="alert"></p></form><div id="cmd-result"></div></div></div>'+
      '<div class="card"><h2>QR codes</h2><p class="muted">Each opens the charger’s start page with that connector chosen. Print the PNG for the sticker.</p><div class="qrs">'+qrs+'</div></div>';
  });
});
document.addEventListener('change',function(e){
  if(e.target&&e.target.getAttribute&&e.target.getAttribute('data-action-select')){
    C.$('cmd-payload').value=JSON.stringify(COMMANDS[e.target.value]||{});
  }
});
C.forms.command=function(form,data){
  var payload;
  try{payload=JSON.parse(String(data.get('payload')||'{}'))}catch(_e){throw new Error('The payload is not valid JSON.')}
  var out=C.$('cmd-result');out.innerHTML='<p class="loading">Waiting for the charger…</p>';
  return C.api('POST','/chargers/'+encodeURIComponent(form.getAttribute('data-charger'))+'/commands',{action:C.field(data,'action'),payload:payload,waitSeconds:10}).then(show,function(e){
    if(e.body&&e.body.status){show(e.body);return}
    out.innerHTML='';throw e;
  });
  function show(r){
    out.innerHTML='<p>'+C.esc(r.action)+': '+C.pill(r.status,r.status==='succeeded'?'final':'rejected')+'</p>'+
      (r.result?'<pre>'+C.esc(JSON.stringify(r.result,null,2))+'</pre>':'')+(r.error?'<p class="message">'+C.esc(r.error.message)+'</p>':'');
  }
};

// ---- adding a charger ------------------------------------------------------------------------------
C.route('chargers-new','Add a charger',function(){
  return Promise.all([C.get('/sites?limit=100').catch(function(){return {items:[]}}),C.get('/tariffs?limit=100').catch(function(){return {items:[]}})]).then(function(r){
    var opts=function(items,key){return '<option value="">—</option>'+items.map(function(x){return '<option value="'+C.esc(x[key])+'">'+C.esc(x.name?x.name+' ('+x[key]+')':x[key])+'</option>'}).join('')};
    var kind=C.state.operator&&C.state.operator.kind;
    var mode={home:'private',group:'group',fleet:'fleet'}[kind]||'public';
    return '<p class="crumbs"><a href="#/chargers">Chargers</a> /</p><h1>Add a charger</h1><div class="card"><form data-form="add-charger" class="stack">'+
      '<label for="new-id">Charger id</label><input id="new-id" name="chargerId" required maxlength="48" pattern="[A-Za-z0-9._-]+" placeholder="e.g. HOTEL-CP-01" autocomplete="off"><span class="help">The id the charger sends when it connects: letters, digits, - _ and .</span>'+
      '<label for="new-connectors">Connectors</label><input id="new-connectors" name="connectorCount" type="number" min="1" max="32" value="2" required>'+
      '<label for="new-mode">Who may charge</label><select id="new-mode" name="accessMode">'+['private','group','public','fleet'].map(function(m){return '<option'+(m===mode?' selected':'')+'>'+m+'</option>'}).join('')+'</select>'+
      '<label class="check"><input type="checkbox" name="paid"'+(mode==='public'?' checked':'')+'> Drivers pay (card pre-authorisation)</label>'+
      '<label for="new-site">Site</label>'+(r[0].items.length?'<select id="new-site" name="siteId">'+opts(r[0].items,'siteId')+'</select>':'<input id="new-site" name="siteId" placeholder="site id (optional)">')+
      '<label for="new-tariff">Tariff</label>'+(r[1].items.length?'<select id="new-tariff" name="tariffId">'+opts(r[1].items,'id')+'</select>':'<input id="new-tariff" name="tariffId" placeholder="tariff id (optional)">')+
      '<p class="help">The console makes the charger’s password and shows it once, with the connection URL, for the charger’s configuration.</p>'+
      '<button>Add charger</button><p class="message" role="alert"></p></form></div><div id="credentials"></div>';
  });
});
C.actions['add-another']=function(){C.render()};
C.forms['add-charger']=function(form,data){
  var password=C.randomSecret(24);
  var body={chargerId:C.field(data,'chargerId'),password:password,accessMode:C.field(data,'accessMode'),paid:data.get('paid')==='on',connectorCount:Number(data.get('connectorCount'))};
  if(C.field(data,'siteId'))body.siteId=C.field(data,'siteId');
  if(C.field(data,'tariffId'))body.tariffId=C.field(data,'tariffId');
  return C.api('POST','/chargers',body).then(function(r){
    // A platform that answers the credentials (its own URL for chargers) is the one to believe.
    var c=r.charger,creds=r.credentials||{},url=creds.ocppUrl||connectionUrlOf(c).url;
    // The form gives way to what the charger needs; "Add another" brings it back empty.
    form.closest('.card').hidden=true;
    C.$('credentials').innerHTML=C.secret('Charger '+c.chargerId+' is added',[['Charger id',creds.username||c.chargerId],['Password',creds.password||password],['Connection URL',url]],
      'Set these in the charger (OCPP 1.6-J, security profile 1: basic auth). The password is shown only now: the platform keeps only its hash.')+
      '<p class="links"><a class="button" href="#/chargers/'+encodeURIComponent(c.chargerId)+'">Open '+C.esc(c.chargerId)+'</a> <button type="button" class="secondary" data-action="add-another">Add another charger</button></p>';
    C.$('credentials').querySelector('h2').setAttribute('tabindex','-1');C.$('credentials').querySelector('h2').focus();
  },function(e){if(e.status===409)throw new Error('A charger with that id is registered already.');throw e});
};
`;
