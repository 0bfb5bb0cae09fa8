/**
 * The driver's routes over the real createHttpApi chain (header normalising, routing, security
 * headers, the one error table) and the payments fakes of test/fixtures/payments/world.ts.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { bindTransaction } from '../../../shared/app/payments/bind-transaction.js';
import type { OperatorApiDeps } from '../../../shared/http/operator-api.js';
import { createHttpApi } from '../../../shared/lambda/http-api.js';
import type { ChargerView } from '../../../shared/ports/operator-views.js';
import { ASSETS } from '../../../shared/web/assets.js';
import { PAGE_ASSETS } from '../../../shared/web/driver/assets.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

const EMULATOR = 'http://127.0.0.1:12111';
let world: ReturnType<typeof paymentsWorld>;
let online: boolean;
let api: ReturnType<typeof createHttpApi>;
let withPayments: boolean;

function build() {
  const views = {
    charger: async (id: string): Promise<ChargerView | undefined> =>
      id === world.charger.chargerId
        ? {
            charger: world.charger,
            connectors: [
              { connectorId: 1, status: 'Available' },
              { connectorId: 2, status: 'Charging' },
            ],
            ...(online ? { connection: { connectionId: 'c1', connectedAt: '2026-01-01T00:00:00Z' } } : {}),
          }
        : undefined,
    operator: async (id: string) => (id === world.operator.operatorId ? world.operator : undefined),
    site: async () => world.site,
    tariff: async () => undefined,
  };
  const deps = {
    views,
    ...(withPayments ? { payments: world.deps } : {}),
    stripeJsUrl: `${EMULATOR}/v3/`,
  } as unknown as OperatorApiDeps & { views: typeof views };
  api = createHttpApi(() => deps);
}

beforeEach(() => {
  world = paymentsWorld();
  online = true;
  withPayments = true;
  build();
});

const CONTEXT = { getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const [rawPath, rawQueryString = ''] = path.split('?');
  const event = {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath,
    rawQueryString,
    queryStringParameters: rawQueryString
      ? Object.fromEntries(new URLSearchParams(rawQueryString))
      : undefined,
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await api(event, CONTEXT)) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const headerNames = Object.keys(result.headers ?? {});
  const body = String(result.body ?? '');
  const isJson = headers['content-type']?.includes('json');
  return {
    status: result.statusCode ?? 200,
    headers,
    headerNames,
    body,
    json: isJson && body ? JSON.parse(body) : undefined,
  };
}

const begin = (body: unknown = { chargerId: 'CP-1', connectorId: 1, email: 'd@example.com' }) =>
  request('POST', '/api/drive/sessions', { body });

async function heldToken(): Promise<string> {
  const begun = await begin();
  world.payments.confirm(begun.json.clientSecret.replace('_secret_fake', ''), 'held');
  const confirmed = await request('POST', `/t/${begun.json.token}/confirm`);
  expect(confirmed.json.outcome).toBe('started');
  return begun.json.token;
}

describe('POST /api/drive/sessions', () => {
  it('begins a paid session: 201 with what the page needs for Stripe.js, and no more', async () => {
    const res = await begin();
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual(
      [
        'amountMinor',
        'clientSecret',
        'currency',
        'publishableKey',
        'sessionId',
        'token',
        'transactionUrl',
      ].sort(),
    );
    expect(res.json).toMatchObject({ amountMinor: 3000, currency: 'GBP', publishableKey: 'pk_test_fake' });
    expect(res.json.transactionUrl).toBe(`https://charge.example/t/${res.json.token}`);
  });

  it('refuses a bad body with a 400 naming each problem, and holds nothing', async () => {
    const res = await begin({ chargerId: 'CP-1', connectorId: 'one', email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_body');
    expect(res.json.error.message).toContain('connectorId');
    expect(res.json.error.message).toContain('email');
    expect(world.payments.intents.size).toBe(0);
  });

  it('answers an unknown charger with 404', async () => {
    const res = await begin({ chargerId: 'NOPE', connectorId: 1, email: 'd@example.com' });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('charger_not_found');
  });

  it('answers an offline charger with 409 and the message for the driver', async () => {
    world.chargerPort.online = false;
    const res = await begin();
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({
      code: 'charger_offline',
      message:
        'This charger is offline right now, so it cannot start. Nothing has been taken from your card.',
    });
  });

  it('answers 409 for a paid charger whose operator has not started onboarding, with nothing held', async () => {
    world.connect.accounts.clear();
    const res = await begin();
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('charger_not_payable');
    expect(res.json.error.message).toMatch(/operator has not set up card payments/);
    expect(world.payments.intents.size).toBe(0);
  });

  it('answers 503 where no card processor is configured', async () => {
    withPayments = false;
    build();
    const res = await begin();
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('payments_unavailable');
  });
});

describe('the Transaction URL', () => {
  it('serves the status with an ETag; the same tag revalidates to a 304 with no body and no-cache', async () => {
    const token = await heldToken();
    const first = await request('GET', `/t/${token}/status`);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.json).toMatchObject({
      status: 'waiting-for-car',
      canCancel: true,
      preAuthAmountMinor: 3000,
    });
    expect(first.json.display).toMatchObject({
      statusText: 'Waiting for the car',
      hold: '£30.00 held on your card',
    });
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);

    const again = await request('GET', `/t/${token}/status`, { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');

    await request('POST', `/t/${token}/cancel`);
    const changed = await request('GET', `/t/${token}/status`, { headers: { 'if-none-match': etag ?? '' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('cancels before charging: the hold is released and the page says so', async () => {
    const token = await heldToken();
    const res = await request('POST', `/t/${token}/cancel`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'cancelled', canCancel: false, canStop: false });
    expect(res.json.display.released).toBe('£30.00 released back to your card');
    expect(res.json.display.live).toBe(false);
    expect(world.payments.calls.map((c) => c.op)).toEqual(['create', 'cancel']);
  });

  it('stops while charging: RemoteStop goes to the charger and the session is finishing', async () => {
    const token = await heldToken();
    const [session] = [...world.sessions.sessions.values()];
    if (!session) throw new Error('no session');
    world.transactions.started('CP-1', 42, session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 42, idTag: session.idTag });
    const res = await request('POST', `/t/${token}/stop`);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('finishing');
    expect(world.chargerPort.stops).toEqual([{ chargerId: 'CP-1', transactionId: 42 }]);
    const cancel = await request('POST', `/t/${token}/cancel`);
    expect(cancel.status).toBe(409);
  });

  it('gives a declined card its message through confirm, with nothing held', async () => {
    const begun = await begin();
    world.payments.confirm(begun.json.clientSecret.replace('_secret_fake', ''), 'declined');
    const res = await request('POST', `/t/${begun.json.token}/confirm`);
    expect(res.status).toBe(200);
    expect(res.json.outcome).toBe('not-held');
    expect(res.json.paymentError).toEqual({ code: 'card_declined', message: 'Your card was declined.' });
  });

  it('queues a receipt copy, then refuses the fourth with 429', async () => {
    const token = await heldToken();
    for (const copy of [1, 2, 3]) {
      const res = await request('POST', `/t/${token}/receipts`);
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ kind: 'pre-auth', copy });
    }
    const res = await request('POST', `/t/${token}/receipts`);
    expect(res.status).toBe(429);
    expect(res.json.error.code).toBe('too_many_copies');
  });

  it('answers a wrong, truncated or unknown token with the same 404, for the JSON and the page', async () => {
    const token = await heldToken();
    const other = token.startsWith('A') ? `B${token.slice(1)}` : `A${token.slice(1)}`;
    const bodies = new Set<string>();
    for (const t of [other, token.slice(0, 20), 'x', `${token}x`]) {
      for (const path of [
        `/t/${t}/status`,
        `/t/${t}/stop`,
        `/t/${t}/cancel`,
        `/t/${t}/receipts`,
        `/t/${t}/confirm`,
      ]) {
        const res = await request(path.endsWith('status') ? 'GET' : 'POST', path);
        expect(res.status).toBe(404);
        bodies.add(res.body);
      }
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } })]);
    const pages = new Set<string>();
    for (const t of [other, token.slice(0, 20)]) {
      const res = await request('GET', `/t/${t}`);
      expect(res.status).toBe(404);
      pages.add(res.body);
    }
    expect(pages.size).toBe(1);
    expect([...world.sessions.sessions.values()].every((s) => s.status === 'starting')).toBe(true);
  });

  it('renders the page server-side with the status, the hold and no token in it', async () => {
    const token = await heldToken();
    const res = await request('GET', `/t/${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<h1 id="status-text">Waiting for the car</h1>');
    expect(res.body).toContain('£30.00 held on your card');
    expect(res.body).not.toContain(token);
    expect(res.body).toContain('<script src="/assets/driver-transaction.js">');
  });
});

describe('the start page', () => {
  it('shows the hold in words, the connector choice (QR preselect) and loads Stripe.js from the configured URL', async () => {
    const res = await request('GET', '/c/CP-1?connector=1');
    expect(res.status).toBe(200);
    expect(res.body).toContain(
      'We hold £30.00 on your card. You pay only for what you use; the rest is released when you finish.',
    );
    expect(res.body).toMatch(/id="connector-1" value="1" checked/);
    expect(res.body).toMatch(/id="connector-2" value="2" disabled/);
    expect(res.body).toContain('<label for="email">');
    expect(res.body).toContain(`<script src="${EMULATOR}/v3/"></script>`);
  });

  it("names the Stripe origin in its CSP (one header, the route's), where the Transaction page keeps the strict one", async () => {
    const start = await request('GET', '/c/CP-1');
    const csp = start.headers['content-security-policy'] ?? '';
    expect(start.headerNames.filter((h) => h.toLowerCase() === 'content-security-policy')).toHaveLength(1);
    expect(csp).toContain(`script-src 'self' ${EMULATOR}`);
    expect(csp).toContain(`frame-src ${EMULATOR}`);
    expect(csp).toContain(`connect-src 'self' ${EMULATOR}`);
    expect(csp).toContain("default-src 'none'");
    expect(start.headers['cross-origin-embedder-policy']).toBe('unsafe-none');

    const token = await heldToken();
    const tx = await request('GET', `/t/${token}`);
    expect(tx.headers['content-security-policy']).toContain("script-src 'self'");
    expect(tx.headers['content-security-policy']).not.toContain('127.0.0.1');
    expect(tx.headers['content-security-policy']).not.toContain('stripe');
    expect(tx.headers['cross-origin-embedder-policy']).toBe('require-corp');
  });

  it('an offline charger says it cannot start and disables the form, without loading Stripe', async () => {
    online = false;
    build();
    const res = await request('GET', '/c/CP-1');
    expect(res.body).toContain('This charger is offline, so it cannot start now.');
    expect(res.body).toContain('<fieldset id="details" disabled>');
    expect(res.body).toMatch(/id="continue" type="submit" disabled/);
    expect(res.body).not.toContain('/v3/');
    expect(res.headers['content-security-policy']).not.toContain('127.0.0.1');
  });

  it('a paid charger whose operator has not started onboarding says so, with no form and no Stripe', async () => {
    world.connect.accounts.clear();
    const res = await request('GET', '/c/CP-1');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Card payment not set up yet');
    expect(res.body).toContain('its operator has not set up card payments');
    expect(res.body).not.toContain('id="start"');
    expect(res.body).not.toContain('/v3/');
    expect(res.headers['content-security-policy']).not.toContain('127.0.0.1');
  });

  it('a free charger shows its prices and "Free to use, plug in", with no payment form', async () => {
    world.charger.paid = false;
    const res = await request('GET', '/c/CP-1');
    expect(res.body).toContain('Free to use, plug in');
    expect(res.body).not.toContain('id="start"');
    expect(res.body).not.toContain('We hold');
  });

  it.each([
    ['private', 'This is a private charger'],
    ['group', 'for members only'],
    ['fleet', 'Fleet drivers start it with their fleet card'],
  ] as const)('a %s charger is closed to the public: no payment form, no free start', async (mode, words) => {
    world.charger.accessMode = mode;
    world.charger.paid = mode !== 'fleet';
    const res = await request('GET', '/c/CP-1');
    expect(res.body).toContain('Not open to the public');
    expect(res.body).toContain(words);
    expect(res.body).not.toContain('Free to use, plug in');
    expect(res.body).not.toContain('We hold');
    expect(res.body).not.toContain('/v3/');
  });

  it('a paid fleet charger takes card payers like a public one', async () => {
    world.charger.accessMode = 'fleet';
    const res = await request('GET', '/c/CP-1');
    expect(res.body).toContain('We hold');
  });

  it('shows the operator branding and serves its colour with readable text', async () => {
    world.operator.branding = { primaryColour: '#FFD400', supportEmail: 'help@crown.example' };
    const res = await request('GET', '/c/CP-1');
    expect(res.body).toContain('<link rel="stylesheet" href="/c/CP-1/brand.css">');
    expect(res.body).toContain('mailto:help@crown.example');
    const css = await request('GET', '/c/CP-1/brand.css');
    expect(css.body).toBe(':root{--brand:#ffd400;--brand-ink:#000000}\n');
    world.operator.branding = { primaryColour: '#0b3d91' };
    expect((await request('GET', '/c/CP-1/brand.css')).body).toContain('--brand-ink:#ffffff');
  });

  it('answers an unknown charger with a readable 404 page', async () => {
    const res = await request('GET', '/c/NOPE');
    expect(res.status).toBe(404);
    expect(res.body).toContain('There is no charger NOPE here.');
  });
});

describe('page weight', () => {
  it.each(Object.entries(PAGE_ASSETS))("the %s page's own JS + CSS is at most 50 KB", (_page, names) => {
    const bytes = names.reduce((sum, name) => {
      const asset = ASSETS[name];
      if (!asset) throw new Error(`${name} is not registered in ASSETS`);
      return sum + Buffer.byteLength(asset.body);
    }, 0);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(50 * 1024);
  });
});
