/** Tiny HTML pages for the hosted flows (Connect onboarding, Express dashboard, 3D Secure challenge). */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Tagged template that escapes interpolated values; nested `SafeHtml` is kept as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const rendered = Array.isArray(value) ? value.map(render).join('') : render(value);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1a1f36; }
.banner { background: #fff4e5; border: 1px solid #f5a623; padding: .5rem .75rem; border-radius: 4px; font-size: .9rem; }
button { background: #635bff; color: #fff; border: 0; border-radius: 4px; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
button.secondary { background: #e3e8ee; color: #1a1f36; }
table { border-collapse: collapse; } td { padding: .2rem .8rem .2rem 0; }
</style>
</head>
<body>
<p class="banner">Stripe emulator (test mode, local). No real money moves.</p>
${body}
</body>
</html>`.value;
}
