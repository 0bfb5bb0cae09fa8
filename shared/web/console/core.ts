/**
 * The console's small framework, in plain browser JS (no build step, no dependency): the API client
 * with the session's CSRF token, escaping and formatting, the hash router, and the delegated
 * `data-action` clicks and `data-form` submits every section registers. The sections
 * (shared/web/console/*.ts) are concatenated after it inside one function (see index.ts), so they
 * share `C`, the console's one namespace object.
 *
 * Why no framework: the pages run under a CSP without inline script or `eval`, the console is a
 * handful of tables and forms, and every value reaches the DOM through `esc` (the only place HTML is
 * built from data). Money arrives as integer minor units and is formatted with integer arithmetic.
 */
export const CORE_SCRIPT = String.raw`
var C={routes:[],actions:{},forms:{},state:{csrf:null,user:null,operator:null}};
var view=document.getElementById('view');
C.esc=function(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})};
C.$=function(id){return document.getElementById(id)};

// ---- formatting: integers only for money and energy -------------------------------------------
var SYMBOLS={GBP:'£',EUR:'€',USD:'$'};
C.money=function(minor,currency){
  if(typeof minor!=='number'||!isFinite(minor))return '—';
  var cur=String(currency||'').toUpperCase(),sign=minor<0?'-':'',abs=Math.abs(Math.trunc(minor));
  var text=Math.floor(abs/100)+'.'+String(abs%100).padStart(2,'0');
  return sign+(SYMBOLS[cur]?SYMBOLS[cur]+text:text+' '+cur);
};
C.moneyOf=function(m){return m?C.money(m.amountMinor,m.currency):'—'};
C.kwh=function(milliWh){
  if(typeof milliWh!=='number')return '—';
  var wh=Math.round(milliWh/1000);return Math.floor(wh/1000)+'.'+String(wh%1000).padStart(3,'0')+' kWh';
};
C.when=function(iso){
  if(!iso)return '—';var d=new Date(iso);if(isNaN(d))return C.esc(iso);
  var p=function(n){return String(n).padStart(2,'0')};
  return d.getFullYear()+'-'+p(d.getMonth()+1)+'-'+p(d.getDate())+' '+p(d.getHours())+':'+p(d.getMinutes());
};
C.duration=function(seconds){
  if(typeof seconds!=='number')return '—';var m=Math.round(seconds/60);
  return m<60?m+' min':Math.floor(m/60)+' h '+String(m%60).padStart(2,'0')+' min';
};
C.pill=function(text,cls){return '<span class="pill '+C.esc(cls||text)+'">'+C.esc(text)+'</span>'};
C.empty=function(text){return '<p class="empty">'+C.esc(text)+'</p>'};

// ---- the API: cookie session, CSRF header on every state-changing request -----------------------
function ApiError(status,code,message,retryAfter){this.status=status;this.code=code;this.message=message;this.retryAfter=retryAfter}
ApiError.prototype=Object.create(Error.prototype);
C.ApiError=ApiError;
C.api=function(method,path,body,extraHeaders){
  var headers={accept:'application/json'};
  for(var h in extraHeaders||{})headers[h]=extraHeaders[h];
  if(method!=='GET'){headers['content-type']='application/json';if(C.state.csrf)headers['x-csrf-token']=C.state.csrf}
  var opts={method:method,headers:headers,credentials:'same-origin'};
  if(body!==undefined)opts.body=JSON.stringify(body);
  return fetch('/api/v1'+path,opts).then(function(r){
    return r.text().then(function(text){
      var json;try{json=text?JSON.parse(text):undefined}catch(_e){json=undefined}
      if(r.ok)return json===undefined?{}:json;
      var err=(json&&json.error)||{};
      var e=new ApiError(r.status,err.code||'http_'+r.status,err.message||('The platform answered '+r.status),r.headers.get('retry-after'));
      e.body=json;
      // A session that ended (idle, signed out elsewhere) sends the person back to sign in.
      if(r.status===401&&path.indexOf('/auth/')!==0&&C.signedOut)C.signedOut('Your session has ended: sign in again.');
      throw e;
    });
  });
};
C.get=function(path){return C.api('GET',path)};
/** A route the platform does not serve yet answers 404 route_not_found: the section says so. */
C.missing=function(e){return e instanceof ApiError&&e.status===404&&e.code==='route_not_found'};
/** Every page of a list, up to maxPages (lists are paged with an opaque cursor). */
C.all=function(path,maxPages){
  var items=[],pages=0,sep=path.indexOf('?')<0?'?':'&';
  function next(cursor){
    return C.get(path+sep+'limit=100'+(cursor?'&cursor='+encodeURIComponent(cursor):'')).then(function(p){
      items=items.concat(p.items||[]);pages++;
      return p.nextCursor&&pages<(maxPages||20)?next(p.nextCursor):items;
    });
  }
  return next(null);
};

// ---- messages -------------------------------------------------------------------------------------
C.notice=function(text,kind){
  var n=C.$('notice');n.textContent=text||'';n.className='notice-bar'+(kind?' '+kind:'');n.hidden=!text;
  if(text)n.focus();
};
C.failed=function(what){return function(e){C.notice(what+': '+(e&&e.message||e),'bad')}};
C.unavailable=function(title,what){
  return '<div class="card"><h1>'+C.esc(title)+'</h1><p class="empty">'+C.esc(what)+' is not available on this platform yet.</p></div>';
};
C.busy=function(button,on){if(button){button.disabled=on;button.setAttribute('aria-busy',String(on))}};

// ---- router: #/section/param/param ------------------------------------------------------------------
C.route=function(pattern,title,render){C.routes.push({parts:pattern.split('/'),title:title,render:render})};
C.go=function(hash){if(location.hash===hash)C.render();else location.hash=hash};
C.render=function(){
  if(!C.state.user)return;
  var parts=(location.hash.replace(/^#\/?/,'')||'dashboard').split('/').map(decodeURIComponent);
  var match=null,params=[];
  C.routes.some(function(r){
    if(r.parts.length!==parts.length)return false;
    var ps=[];
    var ok=r.parts.every(function(p,i){if(p.charAt(0)===':'){ps.push(parts[i]);return true}return p===parts[i]});
    if(ok){match=r;params=ps}return ok;
  });
  var section=parts[0];
  Array.prototype.forEach.call(document.querySelectorAll('#nav a'),function(a){
    if(a.getAttribute('data-section')===section)a.setAttribute('aria-current','page');else a.removeAttribute('aria-current');
  });
  // A message meant for the page being opened (after a save that moved to it) survives the move.
  var pending=C.pending;C.pending=null;
  C.notice(pending?pending[0]:'',pending&&pending[1]);
  clearTimeout(C.refreshTimer);
  if(!match){view.innerHTML=C.unavailable('Not found','This page');return}
  document.title=match.title+' · Operator console';
  view.innerHTML='<p class="loading">Loading…</p>';
  draw(match,params,false);
};
/**
 * Draws a route's page. A live page (dashboard, charger list) is drawn again every refreshSeconds,
 * quietly: not while the person is typing in it, and never over a newer page.
 */
function draw(match,params,quiet){
  var token=C.renderToken=(C.renderToken||0)+1;
  var again=function(){
    if(!match.refreshSeconds)return;
    C.refreshTimer=setTimeout(function(){
      var typing=document.activeElement&&view.contains(document.activeElement)&&/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName);
      // A list the person paged through stays as it is: a redraw would drop the pages after the first.
      if(view.querySelector('[data-paged]'))return;
      if(typing||document.hidden)again();else draw(match,params,true);
    },match.refreshSeconds*1000);
  };
  Promise.resolve(match.render.apply(null,params)).then(function(html){
    if(token!==C.renderToken||typeof html!=='string')return;
    view.innerHTML=html;again();
    if(match.after)match.after.apply(null,params);
    var h=view.querySelector('h1');if(h){h.setAttribute('tabindex','-1')}
  }).catch(function(e){
    if(token!==C.renderToken)return;
    if(e instanceof ApiError&&e.status===401)return;
    if(quiet){again();return}
    view.innerHTML='<div class="card"><h1>'+C.esc(match.title)+'</h1><p class="message" role="alert">Could not load this page: '+C.esc(e&&e.message||e)+'</p></div>';
  });
}
C.after=function(fn){C.routes[C.routes.length-1].after=fn};
C.refresh=function(seconds){C.routes[C.routes.length-1].refreshSeconds=seconds};
window.addEventListener('hashchange',function(){C.render()});

// ---- delegated events ---------------------------------------------------------------------------------
document.addEventListener('click',function(e){
  var el=e.target&&e.target.closest?e.target.closest('[data-action]'):null;
  if(!el)return;
  var fn=C.actions[el.getAttribute('data-action')];
  if(!fn)return;
  e.preventDefault();fn(el,e);
});
document.addEventListener('submit',function(e){
  var form=e.target,fn=C.forms[form.getAttribute('data-form')];
  if(!fn)return;
  e.preventDefault();
  var button=form.querySelector('button[type=submit],button:not([type])');
  var msg=form.querySelector('.message');if(msg)msg.textContent='';
  C.busy(button,true);
  Promise.resolve().then(function(){return fn(form,new FormData(form))}).catch(function(err){
    if(msg)msg.textContent=err&&err.message||String(err);else C.notice(String(err&&err.message||err),'bad');
  }).then(function(){C.busy(button,false)});
});
C.forms.none=function(){};
C.field=function(data,name){var v=data.get(name);return v==null?'':String(v).trim()};

/** A secret shown once: the person copies it now, the platform keeps only its hash. */
C.secret=function(title,rows,note){
  return '<div class="card secret" role="status"><h2>'+C.esc(title)+'</h2><p class="muted">'+C.esc(note||'Copy it now: it is not shown again.')+'</p><dl class="kv">'+
    rows.map(function(r){return '<dt>'+C.esc(r[0])+'</dt><dd><code class="copyable">'+C.esc(r[1])+'</code> <button type="button" class="link" data-action="copy">Copy</button></dd>'}).join('')+'</dl></div>';
};
C.actions.copy=function(el){
  var code=el.parentNode.querySelector('code');
  if(code&&navigator.clipboard)navigator.clipboard.writeText(code.textContent).then(function(){el.textContent='Copied'},function(){el.textContent='Select and copy'});
};
/** A random secret from the browser's CSPRNG, base64url: what a new charger's password is made of. */
C.randomSecret=function(bytes){
  var a=new Uint8Array(bytes);crypto.getRandomValues(a);
  return btoa(String.fromCharCode.apply(null,a)).replace(/\+/g,'-').replace(/\//g,'_').replace(/=+$/,'');
};
C.more=function(action,cursor,label){
  return cursor?'<p><button type="button" class="secondary" data-action="'+C.esc(action)+'" data-cursor="'+C.esc(cursor)+'">'+C.esc(label||'Show more')+'</button></p>':'';
};
`;
