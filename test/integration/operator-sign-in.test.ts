/**
 * Operator users' sign-in end to end, through the HTTP server and DynamoDB Local, with the
 * invitation sent through ses-local: accept the invitation, sign in with a TOTP code computed by
 * otpauth, use the console's session cookie (flags, CSRF), sign out; then lock the account with
 * wrong second factors.
 */
import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { createSesClient } from '../../shared/adapters/ses/client.js';
import { createSesMailer } from '../../shared/adapters/ses/mailer.js';
import { createOperator } from '../../shared/app/operators/create-operator.js';
import { systemClock } from '../../shared/ports/clock.js';
import { uniqueId } from '../fixtures/contracts/ids.js';

const platform = inject('platform');
const { httpUrl, sesUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const ses = createSesClient({ region: 'local', endpoint: sesUrl });
afterAll(() => {
  doc.destroy();
  ses.destroy();
});

const email = `${uniqueId('owner')}@signin.example`.toLowerCase();
const password = 'a long enough password';
let operatorId: string;
let secret: string;

/** The TOTP code `offsetSteps` steps from now, as an authenticator app shows it. */
const code = (offsetSteps = 0) =>
  new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { res, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  const t = { doc, tableName: platform.tableName };
  const created = await createOperator(
    {
      operators: new DynamoOperatorRegistry(t),
      users: new DynamoUserStore(t),
      mailer: createSesMailer({ client: ses, defaultFrom: 'receipts@ev-platform.local' }),
      clock: systemClock,
      publicBaseUrl: httpUrl,
    },
    { name: 'Sign-in Arms', email, kind: 'public' },
  );
  operatorId = created.operatorId;
  const invitation = (await readInbox(sesUrl)).find((m) => m.destination.to.includes(email));
  const link = /(http\S+\/console\/accept\?token=[A-Za-z0-9_-]+)/.exec(invitation?.body.text ?? '')?.[1];
  if (!link) throw new Error('no invitation link in the inbox');
  const page = await fetch(link);
  expect(page.status).toBe(200);
  secret = /name="totpSecret" value="([A-Z2-7]+)"/.exec(await page.text())?.[1] ?? '';
  const token = new URL(link).searchParams.get('token');
  const accepted = await post('/api/v1/auth/accept-invite', {
    token,
    password,
    totpSecret: secret,
    totpCode: code(),
  });
  expect(accepted.res.status, JSON.stringify(accepted.json)).toBe(201);
  expect(accepted.json.recoveryCodes).toHaveLength(10);
  // The link works once.
  expect((await fetch(link)).status).toBe(404);
});

async function challenge(): Promise<string> {
  const begun = await post('/api/v1/auth/sign-in', { email, password });
  expect(begun.res.status, JSON.stringify(begun.json)).toBe(200);
  return begun.json.challenge;
}

describe('a signed-in console user', () => {
  let cookie: string;
  let csrfToken: string;

  it('signs in with password and TOTP and gets an HttpOnly, SameSite=Strict session cookie', async () => {
    // The step after the one enrolment used (a used step is refused).
    const done = await post('/api/v1/auth/second-factor', {
      challenge: await challenge(),
      method: 'totp',
      code: code(1),
    });
    expect(done.res.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.user).toMatchObject({ email, operatorId, role: 'owner', recoveryCodesLeft: 10 });
    const [setCookie] = done.res.headers.getSetCookie();
    expect(setCookie).toMatch(/^evc_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    // The test platform serves http://127.0.0.1: the one place Secure is left out.
    expect(setCookie).not.toContain('Secure');
    cookie = setCookie?.split(';')[0] ?? '';
    csrfToken = done.json.csrfToken;
  });

  it('reaches the operator API through the same check as an API key', async () => {
    const me = await fetch(`${httpUrl}/api/v1/auth/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ operatorId, user: expect.objectContaining({ email }), csrfToken });
    const operator = await fetch(`${httpUrl}/api/v1/operator`, { headers: { cookie } });
    expect(operator.status).toBe(200);
    expect(((await operator.json()) as { operator: { operatorId: string } }).operator.operatorId).toBe(
      operatorId,
    );
  });

  it('refuses a state-changing request without the CSRF token or from another origin', async () => {
    const body = { label: 'from the console' };
    const noToken = await post('/api/v1/api-keys', body, { cookie });
    expect(noToken.res.status).toBe(403);
    expect(noToken.json.error.code).toBe('csrf_refused');
    const foreign = await post('/api/v1/api-keys', body, {
      cookie,
      'x-csrf-token': csrfToken,
      origin: 'https://evil.example',
    });
    expect(foreign.res.status).toBe(403);
    const ok = await post('/api/v1/api-keys', body, { cookie, 'x-csrf-token': csrfToken, origin: httpUrl });
    expect(ok.res.status, JSON.stringify(ok.json)).toBe(201);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const out = await post('/api/v1/auth/sign-out', {}, { cookie, 'x-csrf-token': csrfToken });
    expect(out.res.status).toBe(204);
    expect(out.res.headers.getSetCookie()[0]).toContain('Max-Age=0');
    expect((await fetch(`${httpUrl}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('wrong second factors', () => {
  it('are refused, then lock the account with a clear message, even for the right code and password', async () => {
    const c = await challenge();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await post('/api/v1/auth/second-factor', { challenge: c, method: 'totp', code: '000000' });
      statuses.push(last.res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(last?.json.error.code).toBe('account_locked');
    expect(last?.json.error.message).toMatch(/locked until \d{4}-\d\d-\d\dT/);
    expect(Number(last?.res.headers.get('retry-after'))).toBeGreaterThan(800);
    const right = await post('/api/v1/auth/second-factor', { challenge: c, method: 'totp', code: code() });
    expect(right.res.status).toBe(429);
    const again = await post('/api/v1/auth/sign-in', { email, password });
    expect(again.res.status).toBe(429);
    expect(again.json.error.code).toBe('account_locked');
  });

  it('an unknown email is answered as a wrong password is', async () => {
    const wrong = await post('/api/v1/auth/sign-in', { email: `nobody-${email}`, password });
    expect(wrong.res.status).toBe(401);
    expect(wrong.json.error).toEqual({ code: 'wrong_credentials', message: 'wrong email or password' });
  });
});
