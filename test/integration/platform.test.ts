/**
 * The foundation, as a user meets it: every endpoint of the embedded platform answers, and a plain
 * WebSocket client is let in or refused at upgrade the way API Gateway does it.
 */
import { connect as tcpConnect } from 'node:net';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO } from '../../local/seed.js';

const platform = inject('platform');
const { ocppUrl, httpUrl, sesUrl, stripeUrl, dynamoEndpoint, connectionsUrl } = platform.endpoints;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Opens a socket and reports either the agreed subprotocol or the HTTP status of the refusal. */
function open(
  path: string,
  opts: { protocols?: string[]; authorization?: string; localAddress?: string },
): Promise<{ protocol: string; ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${ocppUrl}/${path}`, opts.protocols ?? [], {
      headers: opts.authorization ? { authorization: opts.authorization } : {},
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    ws.once('open', () => resolve({ protocol: ws.protocol, ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('charger WebSocket endpoint', () => {
  it('lets the demo charger in with its password and answers ocpp1.6', async () => {
    const result = await open(DEMO.chargerId, {
      protocols: ['ocpp1.6'],
      authorization: basic(DEMO.chargerId, DEMO.chargerPassword),
    });
    expect(result).toMatchObject({ protocol: 'ocpp1.6' });
    if ('ws' in result) result.ws.close();
  });

  it('accepts the ?chargerId= form as well', async () => {
    const result = await open(`?chargerId=${DEMO.chargerId}`, {
      protocols: ['ocpp1.6'],
      authorization: basic(DEMO.chargerId, DEMO.chargerPassword),
    });
    expect(result).toMatchObject({ protocol: 'ocpp1.6' });
    if ('ws' in result) result.ws.close();
  });

  it('refuses a wrong password at upgrade', async () => {
    const result = await open(DEMO.chargerId, {
      protocols: ['ocpp1.6'],
      authorization: basic(DEMO.chargerId, 'nope'),
      // A loopback address of its own: failed logins count against the address (login back-off),
      // and the other tests connect the demo charger from 127.0.0.1.
      localAddress: '127.0.0.6',
    });
    // The authorizer ran and denied: 403 (401 is only for a missing identity source).
    expect(result).toEqual({ status: 403 });
  });

  it('refuses an unknown charger at upgrade', async () => {
    const result = await open('NO-SUCH-CHARGER', {
      protocols: ['ocpp1.6'],
      authorization: basic('NO-SUCH-CHARGER', 'whatever'),
    });
    expect(result).toEqual({ status: 403 });
  });

  it('refuses a charger that sends no credentials with 401', async () => {
    const result = await open(DEMO.chargerId, { protocols: ['ocpp1.6'] });
    expect(result).toEqual({ status: 401 });
  });
});

describe('HTTP endpoints', () => {
  it('serves the home page, the driver page of the demo charger and the console', async () => {
    for (const path of ['/', `/c/${DEMO.chargerId}`, '/console']) {
      const res = await fetch(`${httpUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    const driverPage = await (await fetch(`${httpUrl}/c/${DEMO.chargerId}`)).text();
    expect(driverPage).toContain('The Demo Arms');
  });

  it('answers 404 with a message for an unknown charger page and an unknown route', async () => {
    const page = await fetch(`${httpUrl}/c/NOPE`);
    expect(page.status).toBe(404);
    const api = await fetch(`${httpUrl}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'route_not_found' } });
  });

  it('lists the operator chargers only with the operator API key', async () => {
    const refused = await fetch(`${httpUrl}/api/v1/chargers`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await fetch(`${httpUrl}/api/v1/chargers`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    const res = await fetch(`${httpUrl}/api/v1/chargers`, {
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { chargerId: string }[] };
    expect(body.items.map((c) => c.chargerId)).toContain(DEMO.chargerId);
    expect(JSON.stringify(body)).not.toMatch(/passwordHash|scrypt/);
  });

  it('URL-decodes path parameters as API Gateway does, and answers 400 to malformed encoding', async () => {
    // Every character percent-encoded: the page route must see the charger id itself.
    const encodedId = [...Buffer.from(DEMO.chargerId)]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join('');
    const page = await fetch(`${httpUrl}/c/${encodedId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('The Demo Arms');

    const tag = await fetch(`${httpUrl}/api/v1/id-tags/RFID%7C9%20A`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${DEMO.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'member' }),
    });
    expect(tag.status).toBe(200);
    expect(await tag.json()).toMatchObject({ idTag: { idTag: 'RFID|9 A' } });

    const malformed = await fetch(`${httpUrl}/c/%ZZ`);
    expect(malformed.status).toBe(400);
  });

  it('rejects a bad query parameter with 400 and says which', async () => {
    const res = await fetch(`${httpUrl}/api/v1/transactions?limit=5000`, {
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_parameter' } });
  });
});

describe('network exposure', () => {
  /** 'open' or the connect error's code. */
  const reach = (host: string, port: number) =>
    new Promise<string>((resolve) => {
      const socket = tcpConnect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('open');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });

  it('binds every part to 127.0.0.1 only: another address of the machine is refused', async () => {
    // On Linux all of 127.0.0.0/8 reaches this machine, so a socket listening on every interface
    // accepts 127.0.0.2 and one bound to 127.0.0.1 refuses it: a check that needs no second network card.
    const parts = { ocppUrl, connectionsUrl, httpUrl, sesUrl, stripeUrl, dynamoEndpoint };
    for (const [part, url] of Object.entries(parts)) {
      const port = Number(new URL(url).port);
      expect(await reach('127.0.0.1', port), `${part} on loopback`).toBe('open');
      expect(await reach('127.0.0.2', port), `${part} on another address`).toBe('ECONNREFUSED');
    }
  });
});

describe('SES inbox and Stripe emulator', () => {
  it('serves the inbox UI and its store', async () => {
    expect((await fetch(`${sesUrl}/`)).status).toBe(200);
    const store = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: unknown[] };
    expect(Array.isArray(store.emails)).toBe(true);
  });

  it('answers the real stripe SDK', async () => {
    const url = new URL(stripeUrl);
    const stripe = new Stripe(platform.stripeSecretKey, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
    });
    const balance = await stripe.balance.retrieve();
    expect(balance.object).toBe('balance');
  });
});

describe('Stripe webhook endpoint', () => {
  const stripe = new Stripe('sk_test_unused');
  const payload = JSON.stringify({
    id: `evt_test_${Date.now()}`,
    object: 'event',
    type: 'payment_intent.created',
    created: 1_790_000_000,
    data: { object: { id: 'pi_test_1', object: 'payment_intent' } },
  });

  it('refuses a body whose signature does not match', async () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_secret' });
    const res = await fetch(`${httpUrl}/stripe/webhook`, {
      method: 'POST',
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
      body: payload,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'signature_invalid' } });
  });

  it('refuses a request with no signature', async () => {
    const res = await fetch(`${httpUrl}/stripe/webhook`, { method: 'POST', body: payload });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'signature_missing' } });
  });
});
