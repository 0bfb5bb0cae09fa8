/**
 * What every HTTP response carries, through the real HTTP server and the same handlers Lambda runs:
 * pages, JSON, the operator API's errors and the Stripe webhook's, alike.
 */
import { describe, expect, inject, it } from 'vitest';
import { DEMO } from '../../local/seed.js';

const platform = inject('platform');
const { httpUrl } = platform.endpoints;

/** Headers every response must carry, whatever its status or content type. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'strict-transport-security': expect.stringContaining('max-age='),
  'referrer-policy': 'no-referrer',
  'x-permitted-cross-domain-policies': 'none',
  'x-dns-prefetch-control': 'off',
};

const requests: [string, string, RequestInit, number][] = [
  ['a page', '/', {}, 200],
  ['a JSON answer', '/api/health', {}, 200],
  ['no route', '/no/such/route', {}, 404],
  ['a missing API key', '/api/v1/chargers', {}, 401],
  [
    'a body that is not JSON',
    '/api/v1/tariffs/t1',
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${DEMO.apiKey}`, 'content-type': 'application/json' },
      body: '{not json',
    },
    400,
  ],
  ['an unsigned webhook', '/stripe/webhook', { method: 'POST', body: '{}' }, 400],
];

describe('response headers', () => {
  it.each(requests)(
    '%s carries the security headers and nothing undefined',
    async (_what, path, init, status) => {
      const res = await fetch(`${httpUrl}${path}`, init);
      expect(res.status).toBe(status);
      const headers = Object.fromEntries(res.headers);
      expect(headers).toMatchObject(SECURITY_HEADERS);
      expect(headers).not.toHaveProperty('server');
      expect(headers).not.toHaveProperty('x-powered-by');
      const empty = Object.entries(headers).filter(([, value]) => value === '' || value === 'undefined');
      expect(empty).toEqual([]);
    },
  );
});

const api = (method: string, path: string, body: string) =>
  fetch(`${httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO.apiKey}`, 'content-type': 'application/json' },
    body,
  });

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
const hh = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;
const tariffOf = (elements: unknown[]) =>
  JSON.stringify({ name: 'Hourly', currency: 'GBP', timeZone: 'Europe/London', elements });
const energyAt = (priceMilliMinor: number) => ({
  components: [{ type: 'ENERGY', priceMilliMinor, taxRateBp: 500 }],
});

describe('large inputs', () => {
  it('a tariff priced for each hour of the week, every component, is stored', async () => {
    const elements = DAYS.flatMap((day, d) =>
      Array.from({ length: 24 }, (_, hour) => ({
        label: `${day} ${hh(hour)}`,
        components: ['ENERGY', 'TIME', 'PARKING', 'FLAT'].map((type, t) => ({
          type,
          priceMilliMinor: 1_000 * (d + 1) + hour * 10 + t,
          taxRateBp: 2_000,
        })),
        restrictions: { startTime: hh(hour), endTime: hh(hour + 1), daysOfWeek: [day] },
      })),
    );
    const res = await api('PUT', '/tariffs/hourly', tariffOf(elements));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tariff: { elements: unknown[] } }).tariff.elements).toHaveLength(7 * 24);
  });

  it('a tariff with 1,000 elements is a 400 and nothing is stored', async () => {
    const res = await api(
      'PUT',
      '/tariffs/huge',
      tariffOf(Array.from({ length: 1_000 }, (_, i) => energyAt(i))),
    );
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(4_000);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_tariff');
    expect(body.error.message).toContain('at most 200 elements');
    const stored = await fetch(`${httpUrl}/api/v1/tariffs/huge`, {
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });
    expect(stored.status).toBe(404);
  });

  it('a tariff with 150 broken elements names the first few problems and counts the rest', async () => {
    const res = await api(
      'PUT',
      '/tariffs/broken-many',
      tariffOf(Array.from({ length: 150 }, (_, i) => energyAt(-1 - i))),
    );
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(4_000);
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_tariff');
    expect(error.message).toContain(
      'elements[0].components[0].priceMilliMinor: priceMilliMinor must not be negative',
    );
    // 150 negative prices, and as many elements claiming the one unrestricted ENERGY price.
    expect(error.message).toMatch(/; and \d+ more \(\d+ problems in all\)$/);
  });

  it('a tariff with 5,000 elements is refused with a short answer', async () => {
    const res = await api(
      'PUT',
      '/tariffs/huger',
      tariffOf(Array.from({ length: 5_000 }, (_, i) => energyAt(i))),
    );
    expect([400, 413]).toContain(res.status);
    expect((await res.text()).length).toBeLessThan(4_000);
  });

  it('a body with thousands of problems answers with the first few and a count', async () => {
    const site: Record<string, string> = { name: 'Depot' };
    for (let i = 0; i < 3_000; i++) site[`unknown${i}`] = 'x';
    const res = await api('PUT', '/sites/depot', JSON.stringify(site));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(4_000);
    expect(JSON.parse(text).error.code).toBe('invalid_body');
  });

  it('a 10 MB tariff is refused with 413 before it is parsed, with a short answer', async () => {
    const padding = 'x'.repeat(10 * 1024 * 1024 - 1_000);
    const res = await api(
      'PUT',
      '/tariffs/padded',
      JSON.stringify({ currency: 'GBP', timeZone: 'Europe/London', name: padding, elements: [energyAt(1)] }),
    );
    const text = await res.text();
    // The 413 is decided from the size, before parsing (timings belong to benchmarks, not tests).
    expect(res.status).toBe(413);
    expect(JSON.parse(text).error.code).toBe('body_too_large');
    expect(text.length).toBeLessThan(500);
  });
});
