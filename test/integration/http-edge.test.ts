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
