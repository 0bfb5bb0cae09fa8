/**
 * API keys through the operator API (`/api/v1/api-keys`), over the in-memory registry and the whole
 * middleware chain: issued, listed, rotated with a grace period, revoked, and kept to their operator.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryIdempotencyKeys } from '../../../shared/adapters/memory/idempotency-keys.js';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import { MemoryRateLimits } from '../../../shared/adapters/memory/rate-limits.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import {
  ApiKeyListShape,
  ApiKeyShape,
  IssuedApiKeyShape,
  issueApiKey,
  ROTATION_GRACE_SECONDS,
  RotatedApiKeyShape,
} from '../../../shared/app/operators/api-keys.js';
import type { OperatorApiDeps } from '../../../shared/http/operator-api.js';
import type { PageDeps } from '../../../shared/http/page-routes.js';
import { createHttpApi } from '../../../shared/lambda/http-api.js';
import { memoryCatalogDeps } from '../../fixtures/catalog.js';
import { anOperator } from '../../fixtures/ocpp/builders.js';

const A = 'op-a';
const B = 'op-b';
const unused = async (): Promise<never> => {
  throw new Error('not used by the API key routes');
};

let clock: ManualClock;
let registry: MemoryOperatorRegistry;
let api: ReturnType<typeof createHttpApi>;
let keyOfA: string;
let keyOfB: string;

beforeEach(async () => {
  clock = new ManualClock();
  registry = new MemoryOperatorRegistry();
  await registry.create(anOperator({ operatorId: A }));
  await registry.create(anOperator({ operatorId: B }));
  const deps = {
    views: {
      operatorForApiKey: (hash, atMs) => registry.operatorForApiKey(hash, atMs),
      operator: (id) => registry.operator(id),
      site: unused,
      tariff: unused,
      chargers: unused,
      charger: unused,
      transactions: unused,
      transaction: unused,
      meterValueCount: unused,
      paymentFacts: unused,
      allChargers: unused,
      transactionsStartedBetween: unused,
    },
    operators: registry,
    users: new MemoryUserStore(),
    mailer: new MemoryMailer(),
    clock,
    publicBaseUrl: 'https://charge.example',
    chargerAdmin: { register: unused, approve: unused, claimPrefix: unused },
    catalog: { putSite: unused, putGroup: unused, putIdTag: unused },
    tariffs: { put: unused },
    commands: {} as OperatorApiDeps['commands'],
    ...memoryCatalogDeps(),

    // No member route runs here.
    members: {} as OperatorApiDeps['members'],
    rateLimits: new MemoryRateLimits(),
    idempotency: new MemoryIdempotencyKeys(),
  } satisfies OperatorApiDeps & PageDeps;
  api = createHttpApi(() => deps);
  keyOfA = (await issueApiKey(deps, A, { label: 'first key of A' })).key;
  keyOfB = (await issueApiKey(deps, B, { label: 'first key of B' })).key;
});

const CONTEXT = { getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function call(
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  rawQueryString = '',
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answers, field by field.
): Promise<{ status: number; json: any }> {
  const event = {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: path,
    rawQueryString,
    ...(rawQueryString
      ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
      : {}),
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' } },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await api(event, CONTEXT)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 200, json: JSON.parse(String(result.body)) };
}

const keyIdsOf = async (key: string) =>
  ((await call(key, 'GET', '/api/v1/api-keys')).json.items as { keyId: string }[]).map((k) => k.keyId);

describe('issuing and listing keys', () => {
  it('issues a key once, in the documented shape, and the key works at once', async () => {
    const res = await call(keyOfA, 'POST', '/api/v1/api-keys', { label: 'billing export' });
    expect(res.status).toBe(201);
    const issued = IssuedApiKeyShape.parse(res.json);
    expect(issued.apiKey).toMatchObject({ label: 'billing export', status: 'active' });
    expect(issued.key).toMatch(new RegExp(`^evk_${issued.apiKey.keyId}_[A-Za-z0-9_-]{43}$`));
    expect((await call(issued.key, 'GET', '/api/v1/operator')).json.operator.operatorId).toBe(A);
  });

  it('lists its own keys only, never a key or a hash', async () => {
    await call(keyOfA, 'POST', '/api/v1/api-keys', { label: 'second' });
    const res = await call(keyOfA, 'GET', '/api/v1/api-keys');
    expect(res.status).toBe(200);
    const { items: apiKeys } = ApiKeyListShape.parse(res.json);
    expect(apiKeys.map((k) => k.label)).toEqual(['first key of A', 'second']);
    expect(JSON.stringify(res.json)).not.toMatch(/evk_|apiKeyHash|operatorId/);
  });

  it('refuses a key without a label, saying why', async () => {
    const res = await call(keyOfA, 'POST', '/api/v1/api-keys', { label: ' ' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('label must not be empty');
  });
});

describe('revoking', () => {
  it('revokes at once: the key gets 401 from then on', async () => {
    const [keyId] = await keyIdsOf(keyOfA);
    const res = await call(keyOfA, 'DELETE', `/api/v1/api-keys/${keyId}`);
    expect(res.status).toBe(200);
    expect(ApiKeyShape.parse(res.json.apiKey)).toMatchObject({ keyId, status: 'revoked' });
    expect((await call(keyOfA, 'GET', '/api/v1/operator')).status).toBe(401);
  });

  it('answers 404 for a key id it does not know', async () => {
    expect((await call(keyOfA, 'DELETE', '/api/v1/api-keys/nope')).status).toBe(404);
  });
});

describe('rotating', () => {
  it('issues a new key and keeps the old one working through the default grace, then refuses it', async () => {
    const [oldId] = await keyIdsOf(keyOfA);
    const res = await call(keyOfA, 'POST', `/api/v1/api-keys/${oldId}/rotate`);
    expect(res.status).toBe(201);
    const rotated = RotatedApiKeyShape.parse(res.json);
    const graceEnd = new Date(clock.now() + ROTATION_GRACE_SECONDS * 1000).toISOString();
    expect(rotated.previous).toMatchObject({
      keyId: oldId,
      status: 'expiring',
      revokedAt: graceEnd,
      rotatedToKeyId: rotated.apiKey.keyId,
    });
    expect(rotated.apiKey.label).toBe('first key of A');

    clock.advance(ROTATION_GRACE_SECONDS * 1000 - 1);
    expect((await call(keyOfA, 'GET', '/api/v1/operator')).status).toBe(200);
    clock.advance(1);
    expect((await call(keyOfA, 'GET', '/api/v1/operator')).status).toBe(401);
    expect((await call(rotated.key, 'GET', '/api/v1/operator')).status).toBe(200);
  });

  it('with graceSeconds 0 refuses the old key at once', async () => {
    const [oldId] = await keyIdsOf(keyOfA);
    const res = await call(keyOfA, 'POST', `/api/v1/api-keys/${oldId}/rotate`, {
      graceSeconds: 0,
      label: 'v2',
    });
    expect(res.status).toBe(201);
    expect(res.json.previous.status).toBe('revoked');
    expect((await call(keyOfA, 'GET', '/api/v1/operator')).status).toBe(401);
    expect((await call(res.json.key, 'GET', '/api/v1/api-keys')).json.items).toHaveLength(2);
  });

  it('refuses to rotate a revoked key (409) and a grace longer than a week (400)', async () => {
    const spare = (await call(keyOfA, 'POST', '/api/v1/api-keys', { label: 'spare' })).json;
    const tooLong = await call(keyOfA, 'POST', `/api/v1/api-keys/${spare.apiKey.keyId}/rotate`, {
      graceSeconds: 8 * 24 * 3600,
    });
    expect(tooLong.status).toBe(400);
    await call(keyOfA, 'DELETE', `/api/v1/api-keys/${spare.apiKey.keyId}`);
    const res = await call(keyOfA, 'POST', `/api/v1/api-keys/${spare.apiKey.keyId}/rotate`);
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('api_key_revoked');
  });
});

describe("one operator and another's keys", () => {
  it("answers B with A's key id 404 on rotate and revoke, and nothing of A's changes", async () => {
    const [idOfA] = await keyIdsOf(keyOfA);
    const before = (await call(keyOfA, 'GET', '/api/v1/api-keys')).json;
    const rotate = await call(keyOfB, 'POST', `/api/v1/api-keys/${idOfA}/rotate`);
    const revoke = await call(keyOfB, 'DELETE', `/api/v1/api-keys/${idOfA}`);
    for (const res of [rotate, revoke]) {
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({ code: 'not_found', message: `API key ${idOfA} not found` });
    }
    expect((await call(keyOfA, 'GET', '/api/v1/api-keys')).json).toEqual(before);
    expect((await call(keyOfA, 'GET', '/api/v1/operator')).status).toBe(200);
    expect(await keyIdsOf(keyOfB)).not.toContain(idOfA);
  });
});

describe('where a key may travel', () => {
  it('is read from the Authorization header only: a key in the query string gets 401', async () => {
    const res = await call(undefined, 'GET', '/api/v1/api-keys', undefined, `key=${keyOfA}`);
    expect(res.status).toBe(401);
  });
});
