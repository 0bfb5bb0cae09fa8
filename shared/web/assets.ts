/**
 * Static assets of the pages, served by the HTTP API: the house stylesheet, the console's
 * (shared/web/console/), the driver pages' (shared/web/driver/) and the Connect onboarding sign-in's
 * (shared/web/connect/).
 */
import { CONNECT_ASSETS } from './connect/assets.js';
import { CONSOLE_ASSETS } from './console/index.js';
import { DRIVER_ASSETS } from './driver/assets.js';

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#14202b;--muted:#5b6b7a;--line:#e3e7ec;--brand:#0b7a53;--brand-ink:#fff;--warn:#b54708;--bad:#b42318;--ok:#067647}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{background:var(--brand);color:var(--brand-ink);padding:14px 20px;display:flex;align-items:center;gap:12px}
header a{color:inherit;text-decoration:none;font-weight:600}header .sub{opacity:.8;font-size:14px}
main{max-width:980px;margin:24px auto;padding:0 16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin-bottom:16px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:0 0 12px}
.muted{color:var(--muted)}table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 6px;border-bottom:1px solid var(--line);font-size:14px;vertical-align:top}
th{color:var(--muted);font-weight:600}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:600;background:#eef2f6}
.pill.method-get{background:#d1e9ff;color:#175cd3}.pill.method-post,.pill.method-put{background:#dcfae6;color:var(--ok)}.pill.method-delete{background:#fee4e2;color:var(--bad)}
.pill.Available,.pill.online,.pill.active,.pill.final{background:#dcfae6;color:var(--ok)}.pill.Charging,.pill.Preparing{background:#d1e9ff;color:#175cd3}
.pill.Faulted,.pill.Unavailable,.pill.offline,.pill.rejected{background:#fee4e2;color:var(--bad)}.pill.SuspendedEV,.pill.SuspendedEVSE,.pill.Finishing,.pill.pending,.pill.stopped{background:#fef0c7;color:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.kv dt{color:var(--muted);font-size:13px}.kv dd{margin:0 0 10px;font-weight:600}
input,button{font:inherit;padding:8px 12px;border-radius:8px;border:1px solid var(--line)}button{background:var(--brand);color:#fff;border:0;cursor:pointer}button.approve{padding:2px 10px;font-size:13px;margin-left:6px}button:disabled{opacity:.5;cursor:default}
code{background:#eef2f6;padding:1px 6px;border-radius:6px;font-size:13px}
footer{max-width:980px;margin:0 auto 32px;padding:0 16px;color:var(--muted);font-size:13px}
`;

export const ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'app.css': { contentType: 'text/css; charset=utf-8', body: CSS },
  ...CONSOLE_ASSETS,
  ...DRIVER_ASSETS,
  ...CONNECT_ASSETS,
};
