/**
 * The console's sites, groups (with their members) and users (fleets: fleets.ts). Each section lists through
 * its endpoint and offers the form that creates one. A platform that does not serve a list or a
 * form's route yet (404 `route_not_found`) is told apart from an empty list: the section says the
 * feature is not available rather than "none yet", and the rest of the console keeps working.
 */
export const CATALOG_SCRIPT = `
/**
 * One list section: the list (or "not available"), then its form. spec: title, path, columns,
 * row(item) → cells, empty, form (HTML) and the heading's link.
 */
C.listSection=listSection;
function listSection(spec){
  return C.get(spec.path+(spec.path.indexOf('?')<0?'?':'&')+'limit=100').then(function(p){return p},function(e){if(C.missing(e))return null;throw e}).then(function(p){
    var list;
    if(!p)list='<p class="empty unavailable">Listing '+C.esc(spec.title.toLowerCase())+' is not available on this platform yet.</p>';
    else if(!p.items.length)list=C.empty(spec.empty);
    else list='<table class="rows"><thead><tr>'+spec.columns.map(function(c){return '<th scope="col">'+C.esc(c)+'</th>'}).join('')+'</tr></thead><tbody id="'+spec.id+'">'+
      p.items.map(function(item){var cells=spec.row(item);return '<tr><th scope="row">'+cells[0]+'</th>'+cells.slice(1).map(function(c,i){return '<td data-label="'+C.esc(spec.columns[i+1])+'">'+c+'</td>'}).join('')+'</tr>'}).join('')+'</tbody></table>';
    return (spec.crumbs||'')+'<h1>'+C.esc(spec.heading||spec.title)+'</h1>'+(spec.intro?'<p class="muted">'+spec.intro+'</p>':'')+
      '<div class="cols"><div class="card">'+list+'</div>'+(spec.form?'<div class="card">'+spec.form+'</div>':'')+'</div>';
  });
}
/** A form's route that the platform does not serve yet says so in the form. */
C.orUnavailable=orUnavailable;
function orUnavailable(what){return function(e){if(C.missing(e))throw new Error(what+' is not available on this platform yet.');throw e}}
function saved(text){C.pending=[text,'ok'];C.render()}
C.saved=saved;

// ---- sites --------------------------------------------------------------------------------------------
C.route('sites','Sites',function(){
  return listSection({title:'Sites',path:'/sites',id:'sites',columns:['Site','Address','Time zone','Tariff'],empty:'No sites yet.',
    row:function(s){return [C.esc(s.name)+'<span class="sub">'+C.esc(s.siteId)+'</span>',C.esc(s.address||'—'),C.esc(s.timeZone),s.tariffId?'<a href="#/tariffs/'+encodeURIComponent(s.tariffId)+'">'+C.esc(s.tariffId)+'</a>':'—']},
    form:'<h2>Add or change a site</h2><form data-form="site" class="stack"><label for="site-id">Site id</label><input id="site-id" name="siteId" required pattern="[A-Za-z0-9._-]{1,64}">'+
      '<label for="site-name">Name</label><input id="site-name" name="name" required><label for="site-address">Address</label><input id="site-address" name="address">'+
      '<label for="site-tz">Time zone</label><input id="site-tz" name="timeZone" value="'+C.esc((C.state.operator&&C.state.operator.timeZone)||'Europe/London')+'" required>'+
      '<label for="site-tariff">Tariff id</label><input id="site-tariff" name="tariffId"><button>Save site</button><p class="message" role="alert"></p></form>'});
});
C.forms.site=function(form,data){
  var body={name:C.field(data,'name'),timeZone:C.field(data,'timeZone')};
  if(C.field(data,'address'))body.address=C.field(data,'address');
  if(C.field(data,'tariffId'))body.tariffId=C.field(data,'tariffId');
  return C.api('PUT','/sites/'+encodeURIComponent(C.field(data,'siteId')),body).then(function(r){saved('Site '+r.site.name+' is saved.')},orUnavailable('Saving sites'));
};

// ---- groups and their members ----------------------------------------------------------------------
C.route('groups','Groups',function(){
  return listSection({title:'Groups',path:'/groups',id:'groups',columns:['Group','Tariff'],empty:'No groups yet. A closed user group lets its members charge, at the group’s price.',
    row:function(g){return ['<a href="#/groups/'+encodeURIComponent(g.groupId)+'">'+C.esc(g.name)+'</a><span class="sub">'+C.esc(g.groupId)+'</span>',g.tariffId?C.esc(g.tariffId):'—']},
    form:'<h2>Add or change a group</h2><form data-form="group" class="stack"><label for="group-id">Group id</label><input id="group-id" name="groupId" required pattern="[A-Za-z0-9._-]{1,64}">'+
      '<label for="group-name">Name</label><input id="group-name" name="name" required><label for="group-tariff">Group tariff id</label><input id="group-tariff" name="tariffId">'+
      '<button>Save group</button><p class="message" role="alert"></p></form>'});
});
C.forms.group=function(form,data){
  var id=C.field(data,'groupId'),body={name:C.field(data,'name')};
  if(C.field(data,'tariffId'))body.tariffId=C.field(data,'tariffId');
  return C.api('PUT','/groups/'+encodeURIComponent(id),body).then(function(r){C.pending=['Group '+r.group.name+' is saved.','ok'];C.go('#/groups/'+encodeURIComponent(id))},orUnavailable('Saving groups'));
};
C.route('groups/:id','Group',function(id){
  var path='/groups/'+encodeURIComponent(id);
  return C.get(path).then(function(r){return r.group},function(e){if(C.missing(e)||e.status===404)return {groupId:id,name:id};throw e}).then(function(g){
    return listSection({title:'Members',heading:g.name,path:path+'/members',id:'members',crumbs:'<p class="crumbs"><a href="#/groups">Groups</a> /</p>',
      intro:'Members charge at the group’s price on the group’s chargers: invited by email, or by their RFID card.',
      columns:['Member','RFID tags','Status','Since',''],empty:'No members yet. Invite someone by email, or add their RFID card.',
      row:function(m){return [C.esc(m.label||m.email||m.memberId)+(m.label&&m.email?'<span class="sub">'+C.esc(m.email)+'</span>':''),C.esc((m.idTags||[]).join(', ')||'—'),C.pill(m.status||'active',m.status==='invited'?'pending':'active'),C.when(m.joinedAt||m.createdAt),
        '<button type="button" class="small danger" data-action="remove-member" data-group="'+C.esc(id)+'" data-member="'+C.esc(m.memberId)+'">Remove</button>']},
      form:'<h2>Add a member</h2><form data-form="invite-member" data-group="'+C.esc(id)+'" class="stack"><label for="member-email">Email (we send an invitation)</label><input id="member-email" name="email" type="email" autocomplete="off">'+
        '<label for="member-tag">RFID card (optional)</label><input id="member-tag" name="idTag" maxlength="20" autocomplete="off"><label for="member-label">Name (optional)</label><input id="member-label" name="label" maxlength="120">'+
        '<button>Add member</button><p class="message" role="alert"></p></form>'});
  });
});
C.forms['invite-member']=function(form,data){
  var email=C.field(data,'email'),tag=C.field(data,'idTag'),label=C.field(data,'label'),body={};
  if(!email&&!tag)throw new Error('Give an email to invite, or an RFID card, or both.');
  if(email)body.email=email;if(tag)body.idTags=[tag];if(label)body.label=label;
  return C.api('POST','/groups/'+encodeURIComponent(form.getAttribute('data-group'))+'/members',body).then(function(r){
    saved(r.invitation?'An invitation is on its way to '+r.invitation.sentTo+'.':'The member is added: their card works at once.');
  },function(e){if(e.code==='member_exists')throw new Error('A member of this group has this email already.');return orUnavailable('Adding members')(e)});
};
C.actions['remove-member']=function(el){
  if(!confirm('Remove this member? Their cards stop working at the group’s chargers.'))return;
  C.busy(el,true);
  C.api('DELETE','/groups/'+encodeURIComponent(el.getAttribute('data-group'))+'/members/'+encodeURIComponent(el.getAttribute('data-member'))).then(function(){saved('The member is removed.')},function(e){C.busy(el,false);C.notice('Could not remove the member: '+e.message,'bad')});
};

// ---- users --------------------------------------------------------------------------------------------------
C.route('users','Users',function(){
  return listSection({title:'Users',path:'/users',id:'users',columns:['User','Role','Status',''],empty:'Only you so far.',
    row:function(u){
      var me=C.state.user&&C.state.user.userId===u.userId;
      return [C.esc(u.email)+(me?'<span class="sub">you</span>':''),
        me?C.esc(u.role):'<label class="sr-only" for="role-'+C.esc(u.userId)+'">Role of '+C.esc(u.email)+'</label><select id="role-'+C.esc(u.userId)+'" data-role-of="'+C.esc(u.userId)+'">'+['staff','owner'].map(function(r){return '<option'+(r===u.role?' selected':'')+'>'+r+'</option>'}).join('')+'</select>',
        C.pill(u.status||'active',u.status==='invited'?'pending':'active'),
        me?'':'<button type="button" class="small danger" data-action="remove-user" data-user="'+C.esc(u.userId)+'">Remove</button>'];
    },
    intro:'People who sign in to this console. Machines use API keys instead.',
    form:'<h2>Invite a user</h2><form data-form="invite-user" class="stack"><label for="user-email">Email</label><input id="user-email" name="email" type="email" required autocomplete="off">'+
      '<label for="user-role">Role</label><select id="user-role" name="role"><option value="staff">staff</option><option value="owner">owner</option></select>'+
      '<button>Send invitation</button><p class="message" role="alert"></p></form>'});
});
document.addEventListener('change',function(e){
  var id=e.target&&e.target.getAttribute&&e.target.getAttribute('data-role-of');
  if(!id)return;
  C.api('PATCH','/users/'+encodeURIComponent(id),{role:e.target.value}).then(function(){C.notice('The role is changed.','ok')},function(e2){C.notice('Could not change the role: '+e2.message,'bad');C.render()});
});
C.actions['remove-user']=function(el){
  if(!confirm('Remove this user? They are signed out at once and cannot sign in again.'))return;
  C.busy(el,true);
  C.api('DELETE','/users/'+encodeURIComponent(el.getAttribute('data-user'))).then(function(){saved('The user is removed.')},function(e){C.busy(el,false);C.notice('Could not remove the user: '+e.message,'bad')});
};
C.forms['invite-user']=function(form,data){
  var email=C.field(data,'email');
  return C.api('POST','/users',{email:email,role:C.field(data,'role')}).then(function(){saved('An invitation is on its way to '+email+'. It works for 7 days.')},orUnavailable('Inviting users'));
};
`;
