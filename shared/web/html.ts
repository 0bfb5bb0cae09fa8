/** Server-rendered pages: one layout, escaped interpolation, no client framework. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Tagged template: interpolated values are escaped unless wrapped in `raw()`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const rendered = Array.isArray(v)
      ? v.map((x) => (x instanceof Raw ? x.value : escapeHtml(x))).join('')
      : v instanceof Raw
        ? v.value
        : escapeHtml(v);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}

export class Raw {
  constructor(readonly value: string) {}
}

export const raw = (value: string) => new Raw(value);

/** Minor units to a display string without floating point: 1234 gbp → "£12.34". */
export function formatMinor(minor: number, currency: string): string {
  const symbols: Record<string, string> = { gbp: '£', eur: '€', usd: '$' };
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  const units = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  const symbol = symbols[currency.toLowerCase()];
  return symbol ? `${sign}${symbol}${units}.${cents}` : `${sign}${units}.${cents} ${currency.toUpperCase()}`;
}

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
.pill.Available,.pill.online,.pill.active{background:#dcfae6;color:var(--ok)}.pill.Charging,.pill.Preparing{background:#d1e9ff;color:#175cd3}
.pill.Faulted,.pill.Unavailable,.pill.offline,.pill.rejected{background:#fee4e2;color:var(--bad)}.pill.SuspendedEV,.pill.SuspendedEVSE,.pill.Finishing,.pill.pending{background:#fef0c7;color:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.kv dt{color:var(--muted);font-size:13px}.kv dd{margin:0 0 10px;font-weight:600}
input,button{font:inherit;padding:8px 12px;border-radius:8px;border:1px solid var(--line)}button{background:var(--brand);color:#fff;border:0;cursor:pointer}
code{background:#eef2f6;padding:1px 6px;border-radius:6px;font-size:13px}
footer{max-width:980px;margin:0 auto 32px;padding:0 16px;color:var(--muted);font-size:13px}
`;

export function page(opts: { title: string; subtitle?: string; body: Raw; script?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)}</title><style>${CSS}</style></head>
<body><header><a href="/">⚡ EV Charging</a><span class="sub">${escapeHtml(opts.subtitle ?? '')}</span></header>
<main>${opts.body.value}</main>
<footer>Powered by the EV charging platform · OCPP 1.6-J</footer>
${opts.script ? `<script>${opts.script}</script>` : ''}
</body></html>`;
}
