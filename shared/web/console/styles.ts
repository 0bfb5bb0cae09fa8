/**
 * The console's own stylesheet, on top of app.css (the house colours and cards): a side navigation
 * on wide screens that becomes a scrolling strip on a phone, tiles for the dashboard, tables that
 * turn into labelled blocks under 700 px, and forms. No external fonts or images (CSP: 'self').
 */
export const CONSOLE_CSS = `
[hidden]{display:none!important}
body.console{min-height:100vh}
body.console header{justify-content:space-between;flex-wrap:wrap}
body.console header .who{display:flex;align-items:center;gap:10px;font-size:14px}
body.console header .sub-inline{opacity:.85;font-size:14px;margin-left:8px}
body.console header .who button{background:transparent;border:1px solid rgba(255,255,255,.6);color:inherit;padding:4px 12px}
body.console main{max-width:none;margin:0;padding:0}
.shell{display:grid;grid-template-columns:220px minmax(0,1fr);min-height:calc(100vh - 110px)}
#nav{background:#fff;border-right:1px solid var(--line);padding:16px 8px}
#nav ul{list-style:none;margin:0;padding:0}
#nav a{display:block;padding:8px 12px;border-radius:8px;color:var(--ink);text-decoration:none;font-size:15px}
#nav a:hover{background:#eef2f6}
#nav a[aria-current=page]{background:#e6f4ee;color:var(--brand);font-weight:600}
#nav .group{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;margin:14px 12px 4px}
#view-wrap{padding:20px 28px;min-width:0;max-width:1180px}
#view h1{outline:none}
.head{display:flex;align-items:center;gap:10px;flex-wrap:wrap;margin-bottom:12px}
.head h1,.head h2{margin:0}.head>a:last-child,.head>.button:last-child{margin-left:auto}
.crumbs{margin:0 0 4px;font-size:14px}
a.button{display:inline-block;background:var(--brand);color:var(--brand-ink);padding:8px 14px;border-radius:8px;text-decoration:none;font-weight:600}
button.secondary{background:#fff;color:var(--ink);border:1px solid #aab4bf}
button.danger{background:#fff;color:var(--bad);border:1px solid #f0b4ad}
button.small{padding:3px 10px;font-size:13px}
button.link{background:none;border:0;color:#0a5c9e;padding:0 4px;font-size:13px;text-decoration:underline}
button[aria-busy=true]{opacity:.6}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-bottom:16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px;display:flex;flex-direction:column;gap:2px}
.tile .label{color:var(--muted);font-size:13px;font-weight:600}
.tile .figure{font-size:28px;font-weight:700;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .unit{font-size:15px;font-weight:600;color:var(--muted);margin-left:4px}
.sub{display:block;color:var(--muted);font-size:12px;font-weight:400}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px;align-items:start}
.cols>.card{margin-bottom:0}.cols+.card,.card+.cols{margin-top:16px}
.empty{color:var(--muted);text-align:center;padding:18px 8px;margin:0}
.empty.unavailable{font-style:italic}
.loading{color:var(--muted)}
.stack{display:flex;flex-direction:column;gap:4px}
.stack label,.stack .label{display:block;font-weight:600;font-size:14px;margin-top:8px}
.stack label.check{font-weight:400;display:flex;gap:8px;align-items:center}
.stack button{align-self:flex-start;margin-top:14px}
.stack .static{margin:0}
.stack>p.muted{margin:0 0 4px}
.help{font-size:13px;color:var(--muted);margin:2px 0 0}
select,textarea{font:inherit;padding:8px 10px;border-radius:8px;border:1px solid var(--line);background:#fff}
textarea{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;width:100%}
input{border-color:#c3ccd5}
.stack input[inputmode=decimal]{max-width:14em}
.row2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.message{color:var(--bad);font-weight:600;margin:8px 0 0}.message:empty{display:none}.message.ok{color:var(--ok)}
.notice-bar{margin:0 0 14px;padding:10px 14px;border-radius:8px;background:#fff4e5;border-left:4px solid var(--warn);outline:none}
.notice-bar.ok{background:#ecfdf3;border-left-color:var(--ok)}.notice-bar.bad{background:#fef3f2;border-left-color:var(--bad)}
.kv.two{display:grid;grid-template-columns:minmax(110px,auto) 1fr;gap:6px 16px;margin:0}
.kv.two dt{margin:0}.kv.two dd{margin:0;font-weight:500;overflow-wrap:anywhere}
.conn{white-space:nowrap;display:inline-block;margin:0 6px 4px 0;font-size:13px}
.flag{display:inline-block;background:#fef0c7;color:#7a2e0e;border-radius:6px;padding:0 6px;font-size:12px;margin:0 4px 2px 0}
.actions{white-space:nowrap}
.statusline{margin:-4px 0 16px;font-size:14px;color:var(--muted)}
table.compact td,table.compact th{padding:6px 4px}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.nowrap{white-space:nowrap}tfoot th,tfoot td{font-weight:700;border-bottom:0}
.total-cell{font-size:16px}
.qrs{display:flex;flex-wrap:wrap;gap:16px}
.qr-card{margin:0;text-align:center;font-size:13px}
img.qr{width:160px;height:160px;border:1px solid var(--line);border-radius:8px;background:#fff;display:block}
.enrol{display:flex;gap:20px;flex-wrap:wrap;align-items:flex-start}
.enrol img.qr{width:200px;height:200px}
.secret{border:2px solid var(--brand);background:#f3fbf7}
.secret dd{display:flex;align-items:center;gap:6px;flex-wrap:wrap}
code.copyable{user-select:all;word-break:break-all;font-size:13px}
ul.codes{columns:2;font-size:15px}
pre{background:#f4f6f8;padding:10px;border-radius:8px;overflow:auto;font-size:13px;max-height:300px}
table.prices input{width:6em}table.prices input[name^=tax]{width:4em}table.prices td,table.prices th{border:0;padding:4px 6px}table.prices td{white-space:nowrap}
.sample{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:10px}.sample label{font-weight:400}
.sample input{width:5em}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
#signin{max-width:420px;margin:48px auto}
#signin h1{font-size:22px}
#signin input{width:100%}
.factor-tabs{display:flex;gap:6px;flex-wrap:wrap;margin:4px 0 6px}
.factor-tabs button{background:#fff;color:var(--ink);border:1px solid #c3ccd5;font-size:14px;padding:5px 10px}
.factor-tabs button[aria-pressed=true]{background:#e6f4ee;border-color:var(--brand);color:var(--brand);font-weight:600}
@media (max-width:700px){
  .shell{grid-template-columns:1fr;grid-template-rows:auto 1fr}
  #nav{border-right:0;border-bottom:1px solid var(--line);padding:6px;overflow-x:auto}
  #nav ul{display:flex;gap:2px;white-space:nowrap}
  #nav .group{display:none}
  #nav a{padding:6px 10px;font-size:14px}
  #view-wrap{padding:14px 12px}
  .cols{grid-template-columns:1fr}
  .row2{grid-template-columns:1fr}
  table.rows thead,table.lines thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.rows tr,table.lines tr{display:block;border-bottom:1px solid var(--line);padding:8px 0}
  table.rows th[scope=row],table.lines th[scope=row]{display:block;border:0;padding:2px 0}
  table.rows td,table.lines td{display:flex;justify-content:space-between;gap:10px;border:0;padding:2px 0}
  table.rows td::before,table.lines td::before{content:attr(data-label);color:var(--muted);font-size:13px}
  table.lines tfoot tr{display:flex;justify-content:space-between}table.lines tfoot td:empty{display:none}
  .tile .figure{font-size:22px}
  table.prices input{width:4.6em}table.prices input[name^=tax]{width:3.2em}
  table.prices th,table.prices td{padding:4px 2px;font-size:13px}table.prices td{white-space:normal}
  .cols>.card{min-width:0}
}
`;
