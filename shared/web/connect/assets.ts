/**
 * The onboarding sign-in page's script: the console session sign-in (password, then the
 * authenticator code) through the JSON sign-in API, then on to where the operator was going. Only a
 * path of this site under /connect/ is followed, so the page cannot be made to send anyone elsewhere.
 */
const SIGN_IN_SCRIPT = `
(function(){
  var form=document.getElementById('signin');var challenge=null;
  var next=form.getAttribute('data-next')||'';
  if(!/^\\/connect\\/[A-Za-z0-9_\\/-]*$/.test(next))next='/connect/return';
  function post(path,body){return fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body),credentials:'same-origin'})
    .then(function(r){return r.json().then(function(b){if(!r.ok)throw new Error(b.error&&b.error.message||String(r.status));return b})})}
  function fail(e){document.getElementById('error').textContent=e.message}
  form.addEventListener('submit',function(e){
    e.preventDefault();
    if(!challenge){
      post('/api/v1/auth/sign-in',{email:document.getElementById('email').value,password:document.getElementById('password').value})
        .then(function(b){challenge=b.challenge;document.getElementById('codeRow').hidden=false;document.getElementById('code').focus()}).catch(fail);
      return;
    }
    post('/api/v1/auth/second-factor',{challenge:challenge,method:'totp',code:document.getElementById('code').value})
      .then(function(){location.href=next}).catch(fail);
  });
})();
`;

export const CONNECT_ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'connect-sign-in.js': { contentType: 'text/javascript; charset=utf-8', body: SIGN_IN_SCRIPT },
};
