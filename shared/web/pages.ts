import { html, page } from './html.js';

export function homePage(): string {
  return page({
    title: 'EV Charging',
    subtitle: 'charge point management',
    body: html`<div class="card"><h1>EV charging platform</h1>
<p class="muted">Chargers connect over OCPP 1.6-J. Drivers scan the QR code on a connector to reach its page.
Operators manage their chargers from the console.</p>
<p><a href="/console">Operator console →</a></p></div>`,
  });
}

export function notFoundPage(message: string): string {
  return page({
    title: 'Not found',
    body: html`<div class="card"><h1>Not found</h1><p class="muted">${message}</p></div>`,
  });
}

/**
 * The operator console: one page for everyone, which signs the person in (password and second
 * factor, an HttpOnly session cookie) and then reads the operator API with that session
 * (shared/web/console/). It never asks for an API key: keys are for machines.
 */
export async function consolePage(): Promise<string> {
  // Loaded on the console's first request: ~100 KB of the console's scripts and styles are not
  // compiled at every cold start of the HTTP function, which mostly serves drivers.
  const { consoleShell } = await import('./console/index.js');
  return consoleShell();
}
