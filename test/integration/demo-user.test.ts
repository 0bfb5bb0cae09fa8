/**
 * The demo owner `npm start` seeds (local/demo-user.ts): someone on a fresh machine signs in to the
 * console with the email, password and TOTP secret the start banner prints, through the same
 * sign-in API the console uses, as the demo operator's owner. The test platform is seeded as
 * `npm start` is (global-setup.ts).
 */
import { describe, expect, inject, it } from 'vitest';
import { DEMO_USER, demoUserOtpauthUri } from '../../local/demo-user.js';
import { DEMO } from '../../local/seed.js';
import { totpCodeAt } from '../../shared/app/users/totp.js';

const { httpUrl } = inject('platform').endpoints;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON field by field.
  return { res, json: (await res.json()) as any };
}

async function challenge(): Promise<string> {
  const begun = await post('/api/v1/auth/sign-in', { email: DEMO_USER.email, password: DEMO_USER.password });
  expect(begun.res.status, JSON.stringify(begun.json)).toBe(200);
  expect(begun.json.methods).toContain('totp');
  return begun.json.challenge;
}

describe('the seeded demo owner', () => {
  it('signs in with the printed password and a code from the printed TOTP secret', async () => {
    const done = await post('/api/v1/auth/second-factor', {
      challenge: await challenge(),
      method: 'totp',
      code: totpCodeAt(DEMO_USER.totpSecret, Date.now()),
    });
    expect(done.res.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.user).toMatchObject({
      email: DEMO_USER.email,
      operatorId: DEMO.operatorId,
      role: 'owner',
      recoveryCodesLeft: DEMO_USER.recoveryCodes.length,
    });
    const cookie = done.res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const operator = await fetch(`${httpUrl}/api/v1/operator`, { headers: { cookie } });
    expect(operator.status).toBe(200);
    expect(((await operator.json()) as { operator: { name: string } }).operator.name).toBe(DEMO.operatorName);
  });

  it('signs in with a printed recovery code, once', async () => {
    const [code] = DEMO_USER.recoveryCodes;
    const first = await post('/api/v1/auth/second-factor', {
      challenge: await challenge(),
      method: 'recovery',
      code,
    });
    expect(first.res.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json.user.recoveryCodesLeft).toBe(DEMO_USER.recoveryCodes.length - 1);
    const again = await post('/api/v1/auth/second-factor', {
      challenge: await challenge(),
      method: 'recovery',
      code,
    });
    expect(again.res.status).toBe(401);
  });

  it('a wrong password opens nothing', async () => {
    const wrong = await post('/api/v1/auth/sign-in', {
      email: DEMO_USER.email,
      password: 'not-the-password',
    });
    expect(wrong.res.status).toBe(401);
  });

  it('the printed otpauth URI carries the secret an authenticator app needs', async () => {
    const uri = new URL(await demoUserOtpauthUri());
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(DEMO_USER.totpSecret);
  });
});
