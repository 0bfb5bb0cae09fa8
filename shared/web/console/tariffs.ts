/**
 * The console's tariffs: the list, and one tariff's form (name, currency, time zone, the default
 * price of each component with its tax rate) saved with `PUT /api/v1/tariffs/{id}`, beside a live
 * preview of a sample receipt.
 *
 * Prices are typed as decimals of the currency ("0.455" per kWh) and turned into the tariff's
 * integer thousandths of a minor unit by string arithmetic, never through a float. Time bands
 * (restricted elements, e.g. "Overnight") are shown and kept as they are when the form is saved.
 *
 * The preview asks the platform (`POST /api/v1/tariff-previews`) when it has that route; without it
 * the page prices the sample itself with the default prices and the platform's rounding rule (each
 * line's net rounded half up to the minor unit, its tax rounded half up from the rounded net), in
 * BigInt, and says that bands are left out.
 */
export const TARIFFS_SCRIPT = String.raw`
var COMPONENTS=[
  {type:'ENERGY',label:'Energy',per:'per kWh'},
  {type:'TIME',label:'Charging time',per:'per hour'},
  {type:'PARKING',label:'Parking (idle after charging)',per:'per hour'},
  {type:'FLAT',label:'Session fee',per:'per session'}
];

/** "0.455" (major units) → 45500 thousandths of a minor unit; undefined for "" and null for junk. */
C.parseMillis=function(text){
  text=String(text).trim();if(text==='')return undefined;
  var m=/^(\d{1,9})(?:\.(\d{1,5}))?$/.exec(text);if(!m)return null;
  return Number(m[1])*100000+Number((m[2]||'').padEnd(5,'0'));
};
/** 45500 → "0.455": the inverse, for the form. */
C.formatMillis=function(milli){
  var whole=Math.floor(milli/100000),frac=String(milli%100000).padStart(5,'0').replace(/0+$/,'');
  return whole+(frac.length?'.'+frac.padEnd(2,'0'):'.00');
};
/** "20" or "5.5" (%) → basis points; null for junk. */
C.parseBp=function(text){
  text=String(text).trim();if(text==='')return 0;
  var m=/^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);if(!m)return null;
  var bp=Number(m[1])*100+Number((m[2]||'').padEnd(2,'0'));
  return bp<=10000?bp:null;
};

function isDefault(el){return !el.restrictions}
function defaultComponent(tariff,type){
  var found=null;
  (tariff.elements||[]).forEach(function(el){if(isDefault(el))el.components.forEach(function(c){if(c.type===type)found=c})});
  return found;
}

function tariffIdsFromChargers(){
  return C.all('/chargers',10).then(function(cs){
    var ids={};cs.forEach(function(c){if(c.tariffId)ids[c.tariffId]=true});
    return Promise.all(Object.keys(ids).sort().map(function(id){return C.get('/tariffs/'+encodeURIComponent(id)).then(function(r){return r.tariff},function(){return null})}));
  }).then(function(list){return list.filter(Boolean)});
}

function summaryLine(t){
  return COMPONENTS.map(function(k){var c=defaultComponent(t,k.type);return c?C.millis(c.priceMilliMinor,t.currency)+' '+k.per.replace('per ','/ '):null}).filter(Boolean).join(' · ');
}

C.route('tariffs','Tariffs',function(){
  return C.get('/tariffs?limit=100').then(function(p){return {items:p.items,listed:true}},function(e){
    if(C.missing(e))return tariffIdsFromChargers().then(function(items){return {items:items,listed:false}});throw e;
  }).then(function(r){
    return '<div class="head"><h1>Tariffs</h1><a class="button" href="#/tariffs-new">New tariff</a></div><div class="card">'+
      (r.items.length?'<table class="rows"><thead><tr><th scope="col">Tariff</th><th scope="col">Default prices</th><th scope="col">Bands</th></tr></thead><tbody id="tariffs">'+
        r.items.map(function(t){return '<tr><th scope="row"><a href="#/tariffs/'+encodeURIComponent(t.id)+'">'+C.esc(t.name||t.id)+'</a><span class="sub">'+C.esc(t.id)+' · '+C.esc(t.currency)+'</span></th><td data-label="Default prices">'+C.esc(summaryLine(t))+'</td><td data-label="Bands">'+
          t.elements.filter(function(e){return !isDefault(e)}).length+'</td></tr>'}).join('')+'</tbody></table>':C.empty('No tariffs yet.'))+
      (r.listed?'':'<p class="help">Listed: the tariffs your chargers use (this platform has no tariff list yet).</p>')+'</div>';
  });
});

function bandText(el,currency){
  var r=el.restrictions,when=[];
  if(r.daysOfWeek)when.push(r.daysOfWeek.map(function(d){return d.charAt(0)+d.slice(1,3).toLowerCase()}).join(', '));
  if(r.startTime)when.push(r.startTime+'–'+r.endTime);
  return '<li><strong>'+C.esc(el.label||'Band')+'</strong> ('+C.esc(when.join(' '))+'): '+
    el.components.map(function(c){var k=COMPONENTS.filter(function(x){return x.type===c.type})[0];return C.esc(k.label+' '+C.millis(c.priceMilliMinor,currency)+' '+k.per)}).join(', ')+'</li>';
}

function tariffForm(t,isNew){
  var rows=COMPONENTS.map(function(k){
    var c=defaultComponent(t,k.type);
    return '<tr><th scope="row"><label for="price-'+k.type+'">'+C.esc(k.label)+'</label></th>'+
      '<td><input id="price-'+k.type+'" name="price-'+k.type+'" inputmode="decimal" size="9" value="'+(c?C.formatMillis(c.priceMilliMinor):'')+'" placeholder="none" aria-describedby="per-'+k.type+'"> <span class="muted nowrap" id="per-'+k.type+'">'+C.esc(k.per)+'</span></td>'+
      '<td><label class="sr-only" for="tax-'+k.type+'">'+C.esc(k.label)+' VAT %</label><span class="nowrap"><input id="tax-'+k.type+'" name="tax-'+k.type+'" inputmode="decimal" size="4" value="'+(c?c.taxRateBp/100:20)+'"> %</span></td></tr>';
  }).join('');
  var bands=(t.elements||[]).filter(function(e){return !isDefault(e)});
  return '<form data-form="tariff" data-tariff="'+C.esc(t.id||'')+'" class="stack" id="tariff-form">'+
    (isNew?'<label for="tariff-id">Tariff id</label><input id="tariff-id" name="id" required pattern="[A-Za-z0-9._-]{1,64}" placeholder="e.g. standard">':'')+
    '<label for="tariff-name">Name</label><input id="tariff-name" name="name" value="'+C.esc(t.name||'')+'" maxlength="120">'+
    '<div class="row2"><div><label for="tariff-currency">Currency</label><input id="tariff-currency" name="currency" value="'+C.esc(t.currency||'GBP')+'" pattern="[A-Z]{3}" size="4" required></div>'+
    '<div><label for="tariff-tz">Time zone</label><input id="tariff-tz" name="timeZone" value="'+C.esc(t.timeZone||'Europe/London')+'" required></div></div>'+
    '<table class="prices"><thead><tr><th scope="col">Component</th><th scope="col">Price</th><th scope="col">VAT</th></tr></thead><tbody>'+rows+'</tbody></table>'+
    '<label for="tariff-grace">Free parking after charging (minutes)</label><input id="tariff-grace" name="graceMinutes" type="number" min="0" max="1440" value="'+Math.round((t.parkingGraceSeconds||0)/60)+'">'+
    (bands.length?'<h3>Time bands</h3><ul class="bands">'+bands.map(function(b){return bandText(b,t.currency)}).join('')+'</ul><p class="help">Bands are kept as they are when you save; they are changed through the API.</p>':'')+
    '<button>Save tariff</button><p class="message" role="alert"></p></form>';
}

/** The form as a tariff body (without id and operatorId), or an Error naming the first bad field. */
function tariffBody(form,original){
  var data=new FormData(form),components=[];
  for(var i=0;i<COMPONENTS.length;i++){
    var k=COMPONENTS[i],price=C.parseMillis(data.get('price-'+k.type)),bp=C.parseBp(data.get('tax-'+k.type));
    if(price===null)return new Error(k.label+': a price like 0.455 (at most 5 decimals)');
    if(bp===null)return new Error(k.label+': VAT as a percentage like 20 or 5.5');
    if(price!==undefined)components.push({type:k.type,priceMilliMinor:price,taxRateBp:bp});
  }
  if(!components.length)return new Error('Give at least one price.');
  var kept=(original.elements||[]).filter(function(e){return !isDefault(e)});
  var firstDefault=(original.elements||[]).filter(isDefault)[0];
  var element={components:components};if(firstDefault&&firstDefault.label)element.label=firstDefault.label;
  var body={currency:C.field(data,'currency').toUpperCase(),timeZone:C.field(data,'timeZone'),elements:[element].concat(kept)};
  // What the form does not edit is kept as it was.
  if(original.minimumCharge)body.minimumCharge=original.minimumCharge;
  if(original.parkingWithoutEnergy!==undefined)body.parkingWithoutEnergy=original.parkingWithoutEnergy;
  if(C.field(data,'name'))body.name=C.field(data,'name');
  var grace=Number(data.get('graceMinutes')||0);if(grace>0)body.parkingGraceSeconds=Math.round(grace)*60;
  return body;
}

// ---- the sample receipt ----------------------------------------------------------------------------
var previewRoute=true;
function half(n,d){var q=n/d,r=n%d;return 2n*r>=d?q+1n:q}
function lineOf(component,quantity,unit,c,num,den){
  var net=half(num,den),tax=half(net*BigInt(c.taxRateBp),10000n);
  return {component:component,quantity:quantity,unit:unit,priceMilliMinor:c.priceMilliMinor,taxRateBp:c.taxRateBp,netMinor:Number(net),taxMinor:Number(tax),grossMinor:Number(net+tax)};
}
/**
 * The sample priced in the page with the default prices, as the platform prices a session: TIME
 * over the whole session (charging and parked, started minutes), PARKING from the end of charging
 * plus the grace period, FLAT once, then the MINIMUM top-up (net = gross / (1 + rate) half up).
 * Bands are left out. A unit test holds it to shared/domain/pricing.ts.
 */
C.priceSample=function(body,sample){
  var lines=[];
  var by=function(type){var f=null;body.elements.forEach(function(el){if(!el.restrictions)el.components.forEach(function(c){if(c.type===type)f=c})});return f};
  var e=by('ENERGY'),t=by('TIME'),p=by('PARKING'),f=by('FLAT');
  var minutes=sample.minutes+sample.parkedMinutes;
  var parkedSeconds=Math.max(0,sample.parkedMinutes*60-(body.parkingGraceSeconds||0)),parked=Math.ceil(parkedSeconds/60);
  if(e&&sample.milliWh>0)lines.push(lineOf('ENERGY',sample.milliWh,'milliWh',e,BigInt(sample.milliWh)*BigInt(e.priceMilliMinor),1000000n*1000n));
  if(t&&minutes>0)lines.push(lineOf('TIME',minutes,'minute',t,BigInt(minutes)*BigInt(t.priceMilliMinor),60n*1000n));
  if(p&&parked>0)lines.push(lineOf('PARKING',parked,'minute',p,BigInt(parked)*BigInt(p.priceMilliMinor),60n*1000n));
  if(f)lines.push(lineOf('FLAT',1,'session',f,BigInt(f.priceMilliMinor),1000n));
  var totals={currency:body.currency,netMinor:0,taxMinor:0,grossMinor:0};
  var add=function(l){totals.netMinor+=l.netMinor;totals.taxMinor+=l.taxMinor;totals.grossMinor+=l.grossMinor};
  lines.forEach(add);
  var min=body.minimumCharge;
  if(min&&totals.grossMinor<min.grossMinor){
    var gross=BigInt(min.grossMinor-totals.grossMinor),net=half(gross*10000n,10000n+BigInt(min.taxRateBp));
    var top={component:'MINIMUM',quantity:1,unit:'session',priceMilliMinor:null,taxRateBp:min.taxRateBp,netMinor:Number(net),taxMinor:Number(gross-net),grossMinor:Number(gross)};
    lines.push(top);add(top);
  }
  return {lines:lines,totals:totals};
};
function sampleOf(){
  var kwh=C.parseMillis(C.$('sample-kwh').value);
  return {milliWh:kwh?kwh*10:0,minutes:Math.max(0,Math.round(Number(C.$('sample-minutes').value)||0)),parkedMinutes:Math.max(0,Math.round(Number(C.$('sample-parked').value)||0))};
}
var previewTimer=null,previewSeq=0;
function schedulePreview(){clearTimeout(previewTimer);previewTimer=setTimeout(preview,250)}
function preview(){
  var form=C.$('tariff-form'),out=C.$('preview');if(!form||!out)return;
  var body=tariffBody(form,C.editing||{});
  if(body instanceof Error){out.innerHTML='<p class="message">'+C.esc(body.message)+'</p>';return}
  var sample=sampleOf();
  // Only the answer to the latest change is drawn: an earlier request may answer after a later one.
  var seq=++previewSeq;
  if(!out.querySelector('table'))out.innerHTML='<p class="loading">Pricing…</p>';
  var local=function(){
    if(seq!==previewSeq)return;
    var priced=C.priceSample(body,sample);
    out.innerHTML=C.chargeLinesTable(priced.lines,priced.totals,'preview-lines',true)+
      '<p class="help">Priced in this page with the default prices'+(body.elements.length>1?' (time bands left out)':'')+', rounded as receipts are: each line’s net to the penny, half up, then its VAT. Charging time counts the parked minutes too.</p>';
  };
  if(!previewRoute)return local();
  var session={startedAt:new Date().toISOString(),energyWh:Math.round(sample.milliWh/1000),chargingMinutes:sample.minutes,idleMinutes:sample.parkedMinutes};
  C.api('POST','/tariff-previews',{tariff:body,session:session}).then(function(r){
    var charge=r.preview;
    if(!charge||!charge.lines||!charge.totals)return local();
    if(seq!==previewSeq)return;
    out.innerHTML=C.chargeLinesTable(charge.lines,charge.totals,'preview-lines',true)+'<p class="help">Priced by the platform as a session starting now would be, time bands included.</p>';
  },function(e){if(C.missing(e))previewRoute=false;local()});
}

function tariffPage(t,isNew){
  C.editing=t;
  return '<p class="crumbs"><a href="#/tariffs">Tariffs</a> /</p><h1>'+(isNew?'New tariff':C.esc(t.name||t.id))+'</h1>'+
    '<div class="cols"><div class="card">'+tariffForm(t,isNew)+'</div>'+
    '<div class="card"><h2>Sample receipt</h2><form class="sample" data-form="none"><label>Energy <input id="sample-kwh" value="20" size="5" inputmode="decimal"> kWh</label>'+
    '<label>Charging <input id="sample-minutes" value="90" size="4" inputmode="numeric"> min</label><label>then parked <input id="sample-parked" value="0" size="4" inputmode="numeric"> min</label></form><div id="preview"></div></div></div>';
}
C.route('tariffs-new','New tariff',function(){
  var op=C.state.operator||{};
  return tariffPage({currency:op.currency||'GBP',timeZone:op.timeZone||'Europe/London',elements:[]},true);
});
C.after(preview);
C.route('tariffs/:id','Tariff',function(id){
  return C.get('/tariffs/'+encodeURIComponent(id)).then(function(r){return tariffPage(r.tariff,false)},function(e){
    if(e.status===404&&!C.missing(e))return '<div class="card"><h1>Tariff not found</h1><p class="empty">There is no tariff '+C.esc(id)+'. <a href="#/tariffs-new">Create one</a>.</p></div>';throw e;
  });
});
C.after(preview);
document.addEventListener('input',function(e){
  if(e.target&&e.target.closest&&(e.target.closest('#tariff-form')||e.target.closest('.sample')))schedulePreview();
});
C.forms.tariff=function(form,data){
  var body=tariffBody(form,C.editing||{});
  if(body instanceof Error)throw body;
  var id=form.getAttribute('data-tariff')||C.field(data,'id');
  return C.api('PUT','/tariffs/'+encodeURIComponent(id),body).then(function(r){
    C.editing=r.tariff;
    var saved='Tariff '+(r.tariff.name||r.tariff.id)+' is saved. Sessions already running keep the prices they started with.';
    if(location.hash==='#/tariffs/'+encodeURIComponent(id)){C.notice(saved,'ok');return}
    C.pending=[saved,'ok'];C.go('#/tariffs/'+encodeURIComponent(id));
  },function(e){
    if(e.code==='invalid_tariff')throw new Error('The tariff was not saved: '+e.message);throw e;
  });
};
`;
