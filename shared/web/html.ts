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

/**
 * The page shell. Styles and scripts are served from /assets (never inline), so the
 * Content-Security-Policy can forbid inline code outright.
 */
export function page(opts: {
  title: string;
  subtitle?: string;
  body: Raw;
  script?: string;
  refreshSeconds?: number;
}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/app.css">${
    opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''
  }</head>
<body><header><a href="/">⚡ EV Charging</a><span class="sub">${escapeHtml(opts.subtitle ?? '')}</span></header>
<main>${opts.body.value}</main>
<footer>Powered by the EV charging platform · OCPP 1.6-J</footer>
${opts.script ? `<script src="/assets/${escapeHtml(opts.script)}"></script>` : ''}
</body></html>`;
}
