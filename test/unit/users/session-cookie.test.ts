/**
 * The session cookie's flags and the CSRF check of operator-auth.ts, over hand-built events: a
 * state-changing cookie request needs the session's token and, when the browser names an origin,
 * this host's.
 */
import { describe, expect, it } from 'vitest';
import { checkCsrf, cookieSecure, sessionCookie, sessionIdOf } from '../../../shared/http/operator-auth.js';
import type { HttpEvent } from '../../../shared/http/responses.js';

const TOKEN = 'csrf-token-of-the-session';

function event(method: string, headers: Record<string, string> = {}, cookies?: string[]): HttpEvent {
  return {
    headers: { host: 'charge.example', ...headers },
    ...(cookies ? { cookies } : {}),
    requestContext: { http: { method } },
  } as unknown as HttpEvent;
}

const refusal = (e: HttpEvent) => {
  try {
    checkCsrf(e, TOKEN);
    return undefined;
  } catch (err) {
    return { statusCode: (err as { statusCode: number }).statusCode, code: (err as { code: string }).code };
  }
};

describe('CSRF check', () => {
  it('lets reads through without a token', () => {
    expect(refusal(event('GET'))).toBeUndefined();
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { 'x-csrf-token': 'guess' }],
    ['another origin', { 'x-csrf-token': TOKEN, origin: 'https://evil.example' }],
    ['an opaque origin', { 'x-csrf-token': TOKEN, origin: 'null' }],
    ['the same host on another port', { 'x-csrf-token': TOKEN, origin: 'https://charge.example:8443' }],
  ])('refuses a POST with %s', (_case, headers) => {
    expect(refusal(event('POST', headers))).toEqual({ statusCode: 403, code: 'csrf_refused' });
  });

  it('accepts the token, from this origin or with no Origin header (a non-browser client)', () => {
    expect(
      refusal(event('DELETE', { 'x-csrf-token': TOKEN, origin: 'https://charge.example' })),
    ).toBeUndefined();
    expect(refusal(event('POST', { 'x-csrf-token': TOKEN }))).toBeUndefined();
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/ and Secure, except on plain http://127.0.0.1', () => {
    expect(sessionCookie('abc', 'https://charge.example')).toBe(
      'evc_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure',
    );
    expect(cookieSecure('http://127.0.0.1:8080')).toBe(false);
    expect(cookieSecure('http://localhost:8080')).toBe(true);
    expect(cookieSecure('https://127.0.0.1')).toBe(true);
    expect(sessionCookie(undefined, 'http://127.0.0.1:8080')).toBe(
      'evc_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0',
    );
  });

  it('is read from API Gateway v2 cookies or a Cookie header, among others', () => {
    expect(sessionIdOf(event('GET', {}, ['theme=dark', 'evc_session=s1']))).toBe('s1');
    expect(sessionIdOf(event('GET', { cookie: 'a=1; evc_session=s2' }))).toBe('s2');
    expect(sessionIdOf(event('GET', { cookie: 'evc_session=' }))).toBeUndefined();
    expect(sessionIdOf(event('GET'))).toBeUndefined();
  });
});
