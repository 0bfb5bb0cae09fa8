/**
 * Signing in to the console, in the browser: email and password, then the second factor (the
 * authenticator app's code, a recovery code, or a code sent by email), through
 * `/api/v1/auth/sign-in` and `/second-factor`. The session is the HttpOnly cookie the platform sets;
 * the page keeps only the session's CSRF token, in memory (a reload gets it again from `auth/me`),
 * and sends it on every state-changing request. No API key is ever asked for or kept here: keys are
 * for machines (the API keys section issues them).
 *
 * Also the person's own account page: who they are, and setting up (or replacing) the
 * authenticator app through `/api/v1/auth/totp`, with the otpauth URI as a QR code and the secret
 * as text, then the new recovery codes, once.
 */
export const SIGN_IN_SCRIPT = String.raw`
var signin=C.$('signin'),app=C.$('app');
var challenge=null,method='totp';
var FACTOR_LABELS={totp:'The 6-digit code from your authenticator app',recovery:'One of your recovery codes',email:'The code we emailed you'};

function showSignIn(message,kind){
  C.state.user=null;C.state.csrf=null;clearTimeout(C.refreshTimer);C.renderToken=(C.renderToken||0)+1;
  app.hidden=true;signin.hidden=false;C.$('whobox').hidden=true;C.$('opname').textContent='';
  C.$('step-password').hidden=false;C.$('step-factor').hidden=true;C.$('factor-code').disabled=false;
  C.$('step-factor').querySelector('form button').hidden=false;
  var m=C.$('signin-message');m.textContent=message||'';m.className='message'+(kind?' '+kind:'');
  C.$('signin-email').focus();
}
C.signedOut=showSignIn;

function lockMessage(e){
  // The server says until when, as an ISO time; the person reads it in their own clock.
  var until=/until (\S+?);/.exec(e.message||'');
  var at=until?new Date(until[1]):null;
  return 'Too many wrong codes: sign-in to this account is locked'+(at&&!isNaN(at)?' until '+C.when(until[1]).slice(11)+' ('+Math.max(1,Math.round((at-new Date())/60000))+' min)':' for a while')+'. Try again later.';
}

function showFactor(){
  C.$('step-password').hidden=true;C.$('step-factor').hidden=false;
  setMethod('totp');
}
function setMethod(m){
  method=m;
  Array.prototype.forEach.call(document.querySelectorAll('[data-action=factor]'),function(b){b.setAttribute('aria-pressed',String(b.getAttribute('data-method')===m))});
  C.$('factor-label').textContent=FACTOR_LABELS[m];
  var input=C.$('factor-code');input.value='';
  input.setAttribute('inputmode',m==='recovery'?'text':'numeric');
  input.setAttribute('autocomplete',m==='recovery'?'off':'one-time-code');
  C.$('factor-message').textContent='';
  input.focus();
}
C.actions.factor=function(el){
  var m=el.getAttribute('data-method');
  if(m!=='email'){setMethod(m);return}
  C.busy(el,true);
  C.api('POST','/auth/email-code',{challenge:challenge}).then(function(){
    setMethod('email');C.$('factor-message').className='message ok';C.$('factor-message').textContent='We sent a code to your email address. It works for 10 minutes.';
  },function(e){
    C.$('factor-message').className='message';
    C.$('factor-message').textContent=e.code==='account_locked'?lockMessage(e):e.message;
    if(e.status===401)showSignIn('The sign-in has expired: enter your email and password again.');
  }).then(function(){C.busy(el,false)});
};
C.actions['start-over']=function(){showSignIn('')};

C.forms['sign-in']=function(form,data){
  var email=C.field(data,'email');
  return C.api('POST','/auth/sign-in',{email:email,password:String(data.get('password')||'')}).then(function(r){
    challenge=r.challenge;form.reset();C.$('signin-email').value=email;showFactor();
  },function(e){
    if(e.code==='wrong_credentials')throw new Error('Wrong email or password.');
    if(e.code==='account_locked')throw new Error(lockMessage(e));
    if(e.code==='too_many_attempts'){var at=/after (\S+)$/.exec(e.message);throw new Error('Too many failed sign-ins: try again after '+(at?C.when(at[1]).slice(11):'a few minutes')+'.')}
    throw e;
  });
};
C.forms['second-factor']=function(form,data){
  var msg=C.$('factor-message');msg.className='message';
  return C.api('POST','/auth/second-factor',{challenge:challenge,method:method,code:C.field(data,'code')}).then(function(r){
    challenge=null;signedIn(r.user,r.csrfToken);
  },function(e){
    C.$('factor-code').select();
    if(e.code==='wrong_code')throw new Error('That code is not right: '+e.message.replace(/^wrong code: /,'')+'.');
    if(e.code==='account_locked'){C.$('factor-code').disabled=true;form.querySelector('button').hidden=true;throw new Error(lockMessage(e))}
    if(e.status===401){showSignIn('The sign-in has expired: enter your email and password again.');return}
    throw e;
  });
};

function signedIn(user,csrf){
  C.state.user=user;C.state.csrf=csrf;
  C.$('factor-code').disabled=false;
  signin.hidden=true;app.hidden=false;C.$('whobox').hidden=false;
  C.$('who').textContent=user.email;
  C.get('/operator').then(function(r){
    C.state.operator=r.operator;C.$('opname').textContent=r.operator.name;
  }).catch(function(){});
  C.render();
}
C.signedIn=signedIn;

C.actions['sign-out']=function(el){
  C.busy(el,true);
  C.api('POST','/auth/sign-out',{}).then(function(){showSignIn('You are signed out.','ok')},function(e){
    if(e.status===401)showSignIn('You are signed out.','ok');else C.notice('Could not sign out: '+e.message,'bad');
  }).then(function(){C.busy(el,false)});
};

// ---- the person's own account: the authenticator app --------------------------------------------
var enrolling=null;
C.route('account','Your account',function(){
  var u=C.state.user;
  return '<div class="card"><h1>Your account</h1><dl class="kv"><dt>Email</dt><dd>'+C.esc(u.email)+'</dd><dt>Role</dt><dd>'+C.esc(u.role)+'</dd>'+
    (typeof u.recoveryCodesLeft==='number'?'<dt>Recovery codes left</dt><dd>'+u.recoveryCodesLeft+'</dd>':'')+'</dl></div>'+
    '<div class="card" id="totp"><h2>Authenticator app</h2><p class="muted">Sign-in asks for a code from an authenticator app. Set one up here, or move to a new phone: the old app and your old recovery codes stop working once the new one is confirmed.</p>'+
    '<p><button type="button" data-action="totp-start">Set up an authenticator app</button></p></div>';
});
C.actions['totp-start']=function(el){
  C.busy(el,true);
  C.api('POST','/auth/totp',{step:'start'}).then(function(r){
    enrolling=r.totpSecret;
    // The QR code is an image of the server's SVG (a data: URL), never markup put into the page.
    var img='data:image/svg+xml;base64,'+btoa(unescape(encodeURIComponent(r.qrSvg)));
    C.$('totp').innerHTML='<h2>Authenticator app</h2><div class="enrol"><img class="qr" alt="QR code for your authenticator app" src="'+C.esc(img)+'">'+
      '<div><p>Scan the code with your authenticator app, or type this key into it:</p><p><code id="totp-secret" class="copyable">'+C.esc(r.totpSecret)+'</code></p>'+
      '<form data-form="totp-confirm"><label for="totp-code">The 6-digit code the app shows</label><input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required> <button>Confirm</button><p class="message" role="alert"></p></form></div></div>';
    C.$('totp-code').focus();
  },C.failed('Could not start')).then(function(){C.busy(el,false)});
};
C.forms['totp-confirm']=function(form,data){
  return C.api('POST','/auth/totp',{step:'confirm',totpSecret:enrolling,totpCode:C.field(data,'code')}).then(function(r){
    enrolling=null;
    C.$('totp').innerHTML='<h2>Your authenticator app is set up</h2><p>Keep these recovery codes somewhere safe. Each works once, in place of the app. They are shown only now.</p><ul class="codes" id="recovery-codes">'+
      r.recoveryCodes.map(function(c){return '<li><code>'+C.esc(c)+'</code></li>'}).join('')+'</ul>';
  },function(e){if(e.code==='wrong_code')throw new Error('That code does not match: check the app shows the new entry, and try the next code.');throw e});
};

// ---- on load: an old link with a key in it, then the session if there is one -------------------------
C.start=function(){
  // A key in the URL would stay in history, logs and Referer headers: the console never reads one.
  var keyInUrl=new URLSearchParams(location.search).has('key');
  if(keyInUrl)history.replaceState(null,'','/console'+location.hash);
  C.get('/auth/me').then(function(me){
    if(!me.user||!me.csrfToken)return showSignIn('');
    signedIn(me.user,me.csrfToken);
  },function(){
    showSignIn(keyInUrl?'The console no longer opens with an API key in the address: sign in with your email. API keys are for machines.':'');
  });
};
`;
