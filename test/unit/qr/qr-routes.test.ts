/**
 * The connector QR routes through the whole HTTP API chain (header normalising, routing, the API
 * key check, the error table) over fakes: what the console and an operator's integration get.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryIdempotencyKeys } from '../../../shared/adapters/memory/idempotency-keys.js';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { MemoryOperatorRegistry } from '../../../shared/adapters/memory/operators.js';
import { MemoryRateLimits } from '../../../shared/adapters/memory/rate-limits.js';
import { MemoryUserStore } from '../../../shared/adapters/memory/users.js';
import type { OperatorApiDeps } from '../../../shared/http/operator-api.js';
import type { PageDeps } from '../../../shared/http/page-routes.js';
import { createHttpApi } from '../../../shared/lambda/http-api.js';
import {
  type ChargerView,
  NO_PAYMENT_FACTS,
  type OperatorViews,
} from '../../../shared/ports/operator-views.js';
import { connectorQr } from '../../../shared/web/qr.js';
import { memoryCatalogDeps } from '../../fixtures/catalog.js';
import { aCharger, anOperator, OPERATOR_ID } from '../../fixtures/ocpp/builders.js';

const API_KEY = 'key-of-op-1';
const BASE_URL = 'https://charge.example';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const unused = async (): Promise<never> => {
  throw new Error('not used by the QR routes');
};

const chargerViews = new Map<string, ChargerView>([
  ['CP-1', { charger: aCharger({ chargerId: 'CP-1', connectorCount: 2 }), connectors: [] }],
  ['CP:9', { charger: aCharger({ chargerId: 'CP:9' }), connectors: [] }],
  ['CP-OTHER', { charger: aCharger({ chargerId: 'CP-OTHER', operatorId: 'op-2' }), connectors: [] }],
]);

const views: OperatorViews = {
  operatorForApiKey: async (hash) => (hash === sha256(API_KEY) ? OPERATOR_ID : undefined),
  operator: async () => anOperator(),
  site: async () => undefined,
  tariff: async () => undefined,
  chargers: async () => ({ items: [] }),
  charger: async (id) => chargerViews.get(id),
  transactions: async () => ({ items: [] }),
  transaction: async () => undefined,
  meterValueCount: async () => 0,
  paymentFacts: async () => NO_PAYMENT_FACTS,
  allChargers: async () => ({ views: [], complete: true, queries: 1 }),
  transactionsStartedBetween: async () => ({ items: [], complete: true, queries: 1 }),
};

let api: ReturnType<typeof createHttpApi>;
beforeAll(() => {
  const deps = {
    views,
    publicBaseUrl: BASE_URL,
    clock: { now: () => 0 },
    chargerAdmin: { register: unused, approve: unused, claimPrefix: unused },
    catalog: { putSite: unused, putGroup: unused, putIdTag: unused },
    tariffs: { put: unused },
    operators: new MemoryOperatorRegistry(),
    users: new MemoryUserStore(),
    mailer: new MemoryMailer(),
    commands: {} as OperatorApiDeps['commands'],
    ...memoryCatalogDeps(),

    // No member route runs here.
    members: {} as OperatorApiDeps['members'],
    rateLimits: new MemoryRateLimits(),
    idempotency: new MemoryIdempotencyKeys(),
  } satisfies OperatorApiDeps & PageDeps;
  api = createHttpApi(() => deps);
});

const CONTEXT = { getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function get(path: string, key: string | null = API_KEY) {
  const event = {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    requestContext: {
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await api(event, CONTEXT)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 200, headers: result.headers ?? {}, result };
}

const errorCode = (r: { result: APIGatewayProxyStructuredResultV2 }) =>
  (JSON.parse(String(r.result.body)) as { error: { code: string } }).error.code;

describe('connector QR codes in the operator API', () => {
  it('SVG of an own charger: the QR of its start page, shown inline under a file name', async () => {
    const res = await get('/api/v1/chargers/CP-1/connectors/2/qr.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['content-disposition']).toBe('inline; filename="QR-CP-1-connector-2.svg"');
    expect(res.result.isBase64Encoded ?? false).toBe(false);
    expect(res.result.body).toBe(await connectorQr(BASE_URL, 'CP-1', 2, 'svg'));
  });

  it('PNG of an own charger: base64 bytes flagged isBase64Encoded, as a download', async () => {
    const res = await get('/api/v1/chargers/CP-1/connectors/1/qr.png');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe('attachment; filename="QR-CP-1-connector-1.png"');
    expect(res.result.isBase64Encoded).toBe(true);
    const png = Buffer.from(String(res.result.body), 'base64');
    expect(png.equals(await connectorQr(BASE_URL, 'CP-1', 1, 'png'))).toBe(true);
  });

  it('a charger id with a colon: encoded in the code, made safe in the file name', async () => {
    const res = await get('/api/v1/chargers/CP:9/connectors/1/qr.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('inline; filename="QR-CP_9-connector-1.svg"');
    expect(res.result.body).toBe(await connectorQr(BASE_URL, 'CP:9', 1, 'svg'));
  });

  it.each([
    ['another operator’s charger', '/api/v1/chargers/CP-OTHER/connectors/1/qr.png', 404, 'not_found'],
    ['an unknown charger', '/api/v1/chargers/NOPE/connectors/1/qr.svg', 404, 'not_found'],
    ['connector 3 of 2', '/api/v1/chargers/CP-1/connectors/3/qr.svg', 404, 'not_found'],
    ['connector 2 of a one-connector charger', '/api/v1/chargers/CP:9/connectors/2/qr.png', 404, 'not_found'],
    ['connector 0', '/api/v1/chargers/CP-1/connectors/0/qr.svg', 400, 'invalid_parameter'],
    ['connector "one"', '/api/v1/chargers/CP-1/connectors/one/qr.png', 400, 'invalid_parameter'],
  ])('%s: %s → %i', async (_what, path, status, code) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(errorCode(res)).toBe(code);
  });

  it.each(['svg', 'png'])('no API key: 401 for the %s', async (format) => {
    const res = await get(`/api/v1/chargers/CP-1/connectors/1/qr.${format}`, null);
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('unauthorized');
  });
});
