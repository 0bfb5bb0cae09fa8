/**
 * The HTTP API handler over fakes, through the whole middleware chain the function runs (header
 * normalising, routing, the API key check, the error table): what an operator's integration sees,
 * without DynamoDB.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryIdempotencyKeys } from '../../../shared/adapters/memory/idempotency-keys.js';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import { MemoryRateLimits } from '../../../shared/adapters/memory/rate-limits.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import type { Charger, Operator } from '../../../shared/domain/entities.js';
import type { Tariff } from '../../../shared/domain/tariff.js';
import type { OperatorApiDeps } from '../../../shared/http/operator-api.js';
import type { PageDeps } from '../../../shared/http/page-routes.js';
import { createHttpApi } from '../../../shared/lambda/http-api.js';
import {
  type ChargerView,
  NO_PAYMENT_FACTS,
  type OperatorViews,
} from '../../../shared/ports/operator-views.js';
import { memoryCatalogDeps } from '../../fixtures/catalog.js';
import { aCharger, anOperator, CHARGER_ID, OPERATOR_ID } from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

const API_KEY = 'key-of-op-1';
const OTHER_KEY = 'key-of-op-2';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Read models over plain maps: just enough of OperatorViews for the routes under test. */
class FakeViews implements OperatorViews {
  readonly apiKeys = new Map([
    [sha256(API_KEY), OPERATOR_ID],
    [sha256(OTHER_KEY), 'op-2'],
  ]);
  readonly operators = new Map<string, Operator>();
  readonly chargerViews = new Map<string, ChargerView>();
  keyLookups = 0;

  async operatorForApiKey(hash: string) {
    this.keyLookups += 1;
    return this.apiKeys.get(hash);
  }
  async operator(operatorId: string) {
    return this.operators.get(operatorId);
  }
  async site() {
    return undefined;
  }
  async tariff() {
    return undefined;
  }
  async chargers(operatorId: string) {
    return { items: [...this.chargerViews.values()].filter((v) => v.charger.operatorId === operatorId) };
  }
  async charger(chargerId: string) {
    return this.chargerViews.get(chargerId);
  }
  async transactions() {
    return { items: [] };
  }
  async transaction() {
    return undefined;
  }
  async paymentFacts() {
    return NO_PAYMENT_FACTS;
  }
  async meterValueCount() {
    return 0;
  }
  async allChargers(operatorId: string) {
    return { views: (await this.chargers(operatorId)).items, complete: true, queries: 1 };
  }
  async transactionsStartedBetween() {
    return { items: [], complete: true, queries: 1 };
  }
}

let views: FakeViews;
let registered: Charger[];
let tariffs: Tariff[];
let approvals: Map<string, 'approved' | 'not-found' | 'not-pending'>;
let ocpp: MemoryOcpp;
let api: ReturnType<typeof createHttpApi>;

beforeEach(() => {
  views = new FakeViews();
  views.operators.set(OPERATOR_ID, anOperator());
  const { passwordHash: _hidden, ...charger } = aCharger();
  views.chargerViews.set(CHARGER_ID, { charger, connectors: [] });
  views.chargerViews.set('CP-OTHER', {
    charger: { ...charger, chargerId: 'CP-OTHER', operatorId: 'op-2' },
    connectors: [],
  });
  registered = [];
  tariffs = [];
  approvals = new Map();
  ocpp = createMemoryOcppDeps();
  const deps: OperatorApiDeps & PageDeps = {
    views,
    clock: ocpp.clock,
    chargerAdmin: {
      register: async (c) => {
        if (registered.some((r) => r.chargerId === c.chargerId)) return 'exists';
        registered.push(c);
        return 'created';
      },
      approve: async (_operatorId, chargerId) => approvals.get(chargerId) ?? 'not-found',
      claimPrefix: async () => 'claimed',
    },
    catalog: { putSite: async () => {}, putGroup: async () => {}, putIdTag: async () => {} },
    tariffs: { put: async (t) => void tariffs.push(t) },
    operators: new MemoryOperatorRegistry(),
    users: new MemoryUserStore(),
    // No member route runs here.
    members: {} as OperatorApiDeps['members'],
    rateLimits: new MemoryRateLimits(),
    idempotency: new MemoryIdempotencyKeys(),
    mailer: new MemoryMailer(),
    commands: ocpp.deps,
    publicBaseUrl: 'https://charge.example',
    ...memoryCatalogDeps(),
  };
  api = createHttpApi(() => deps);
});

const CONTEXT = { getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}> {
  const event = {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' } },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await api(event, CONTEXT)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 200, json: JSON.parse(String(result.body)) };
}

const asOperator = { headers: { Authorization: `Bearer ${API_KEY}` } };

describe('the API key check, once per request', () => {
  it('refuses a request without a key, saying how to send one, and runs no route', async () => {
    const res = await request('GET', '/api/v1/operator');
    expect(res.status).toBe(401);
    expect(res.json.error).toEqual({
      code: 'unauthorized',
      message: 'sign in, or send the operator API key as "Authorization: Bearer <key>"',
    });
    expect(views.keyLookups).toBe(0);
  });

  it('refuses a key in another scheme', async () => {
    const res = await request('GET', '/api/v1/operator', { headers: { authorization: `Basic ${API_KEY}` } });
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe('unauthorized');
  });

  it('refuses an unknown key', async () => {
    const res = await request('GET', '/api/v1/operator', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(res.json.error).toEqual({ code: 'unauthorized', message: 'missing or invalid API key' });
    expect(views.keyLookups).toBe(1);
  });

  it('hands the route the operator the key belongs to (header name in any case)', async () => {
    const res = await request('GET', '/api/v1/operator', asOperator);
    expect(res.status).toBe(200);
    expect(res.json.operator).toMatchObject({ operatorId: OPERATOR_ID });
    expect(views.keyLookups).toBe(1);
  });

  it('scopes reads to that operator: another operator sees its own chargers only', async () => {
    const mine = await request('GET', '/api/v1/chargers', asOperator);
    expect((mine.json.items as { chargerId: string }[]).map((c) => c.chargerId)).toEqual([CHARGER_ID]);
    const theirs = await request('GET', '/api/v1/chargers', {
      headers: { authorization: `Bearer ${OTHER_KEY}` },
    });
    expect((theirs.json.items as { chargerId: string }[]).map((c) => c.chargerId)).toEqual(['CP-OTHER']);
  });

  it("reports another operator's charger as missing", async () => {
    const res = await request('GET', '/api/v1/chargers/CP-OTHER', asOperator);
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: 'not_found', message: 'charger CP-OTHER not found' });
  });

  it('answers 404 route_not_found for a path no route serves, key or not', async () => {
    const res = await request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json.error?.code).toBe('route_not_found');
  });

  it('leaves the public pages open', async () => {
    const res = await request('GET', '/api/health');
    expect(res).toEqual({ status: 200, json: { status: 'ok' } });
  });
});

describe('errors mapped by the one table', () => {
  const newCharger = {
    chargerId: 'CP-NEW',
    password: 'a-password-of-20-chars',
    accessMode: 'public',
    paid: false,
  };

  it('registers a charger, then answers 409 conflict for the same id', async () => {
    const first = await request('POST', '/api/v1/chargers', { ...asOperator, body: newCharger });
    expect(first.status).toBe(201);
    expect(registered.map((c) => [c.chargerId, c.operatorId])).toEqual([['CP-NEW', OPERATOR_ID]]);
    const again = await request('POST', '/api/v1/chargers', { ...asOperator, body: newCharger });
    expect(again.status).toBe(409);
    expect(again.json.error).toEqual({
      code: 'conflict',
      message: 'charger id CP-NEW is already registered',
    });
  });

  it.each([
    ['not-found', 404, { code: 'not_found', message: 'charger CP-P not found' }],
    ['not-pending', 409, { code: 'conflict', message: 'charger CP-P is not pending approval' }],
  ] as const)('approval %s → %i', async (outcome, status, error) => {
    approvals.set('CP-P', outcome);
    const res = await request('POST', '/api/v1/chargers/CP-P/approve', asOperator);
    expect(res.status).toBe(status);
    expect(res.json.error).toEqual(error);
  });

  it('answers 400 invalid_tariff for a tariff that breaks the rules, and stores nothing', async () => {
    const res = await request('PUT', '/api/v1/tariffs/broken', {
      ...asOperator,
      body: { name: 'Broken', currency: 'pounds', timeZone: 'Europe/London', elements: [] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('invalid_tariff');
    expect(res.json.error?.message).toContain('currency');
    expect(tariffs).toEqual([]);
  });

  it('answers 409 charger_offline for a command to a charger with no connection', async () => {
    const res = await request('POST', `/api/v1/chargers/${CHARGER_ID}/commands`, {
      ...asOperator,
      body: { action: 'Reset', payload: { type: 'Soft' }, waitSeconds: 0 },
    });
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({
      code: 'charger_offline',
      message: `charger ${CHARGER_ID} is not connected`,
    });
  });

  it('answers 404 for a call id that is not one', async () => {
    const res = await request('GET', `/api/v1/chargers/${CHARGER_ID}/commands/garbage`, asOperator);
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: 'not_found', message: 'no such charger or call' });
  });
});
