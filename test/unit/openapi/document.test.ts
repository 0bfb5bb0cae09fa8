/**
 * The OpenAPI document, checked against the OpenAPI 3.1 rules that can be checked without a
 * validator package: every operation named once and answering something, every path parameter
 * declared (and every declared one in the path), every $ref resolving, every schema a valid JSON
 * Schema 2020-12; and every operation that takes an id says how it treats another operator's.
 * The served document and reference page are this document.
 */

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../shared/http/openapi/document.js';
import { defineOperation } from '../../../shared/http/openapi/registry.js';
import { type OperatorApiDeps, operatorOperations } from '../../../shared/http/operator-api.js';
import { json } from '../../../shared/http/responses.js';
import { createHttpApi } from '../../../shared/lambda/http-api.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document as plain JSON.
type Json = any;

const noDeps = (): OperatorApiDeps => {
  throw new Error('the document is built without calling any route');
};
const doc: Json = openApiDocument(operatorOperations(noDeps));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
);

/** Every `$ref` in a JSON value, with where it was found. */
function refsIn(value: Json, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : refsIn(v, `${at}/${k}`),
  );
}

function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<Json>((node, part) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 in the JSON Schema 2020-12 dialect, with the bearer key scheme', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('names every operation once, and gives each a summary and answers', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      expect(
        Object.keys(op.responses).some((s) => s.startsWith('2')),
        `${method} ${path}`,
      ).toBe(true);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(response.description, `${method} ${path} ${status}`).toBeTruthy();
      }
    }
  });

  it('declares every path parameter, required, and no path parameter the path lacks', () => {
    for (const { path, method, op } of operations) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path');
      expect(declared.map((p: Json) => p.name).sort(), `${method} ${path}`).toEqual(inPath);
      expect(declared.every((p: Json) => p.required === true && p.schema)).toBe(true);
    }
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter(({ ref }) => resolve(ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it('holds schemas that are valid JSON Schema 2020-12, errors answering the one error shape', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Json>)) {
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`).toBe(true);
    }
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        const schema = response.content['application/json'].schema;
        // The error shape itself, or (a command the charger failed) a result carrying it as `error`.
        const carriesError = refsIn(schema).some(({ ref }) => {
          const target = resolve(ref) as Json;
          const error = ref === '#/components/schemas/Error' ? target : { properties: target.properties };
          const inner = resolve(error.properties?.error?.$ref ?? '') ?? error.properties?.error;
          return ['code', 'message'].every((k) => inner?.properties?.[k]?.type === 'string');
        });
        expect(carriesError, `${method} ${path} ${status}`).toBe(true);
      }
    }
  });

  it('says for every operation that takes an id how it treats another operator’s', () => {
    const withIds = operations.filter(({ path }) => path.includes('{'));
    expect(withIds.length).toBeGreaterThan(5);
    for (const { path, method, op } of withIds)
      expect(['not-found', 'caller-scoped'], `${method} ${path}`).toContain(op['x-tenancy']);
  });

  it('documents an operation without an API key as open, with no 401', () => {
    const open = defineOperation({
      operationId: 'startSignIn',
      method: 'POST',
      path: '/api/v1/sign-in',
      summary: 'A sign-in step (as the sign-in routes add them)',
      tag: 'Sign-in',
      auth: 'none',
      responses: { 200: { description: 'Next step.' } },
      handler: async () => json({}),
    });
    const withOpen: Json = openApiDocument([...operatorOperations(noDeps), open]);
    expect(withOpen.paths['/api/v1/sign-in'].post.security).toEqual([]);
    expect(withOpen.paths['/api/v1/sign-in'].post.responses['401']).toBeUndefined();
    expect(withOpen.paths['/api/v1/operator'].get.security).toEqual([{ apiKey: [] }]);
  });

  it('documents the rate-limited detailed invoice: 429 rate_limited with Retry-After', () => {
    const answers = doc.paths['/api/v1/payouts/{payoutId}/detailed-invoice'].post.responses;
    expect(answers['429'].description).toContain('rate_limited');
    expect(answers['429'].headers['Retry-After'].schema).toEqual({ type: 'integer', minimum: 1 });
    expect(answers['429'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('pages every list the same way', () => {
    for (const { path, method, op } of operations.filter(({ op }) => op.operationId.startsWith('list'))) {
      const names = (op.parameters ?? []).filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
      expect(names, `${method} ${path}`).toEqual(['limit', 'cursor']);
      const page = op.responses['200'].content['application/json'].schema;
      expect(Object.keys(page.properties), `${method} ${path}`).toEqual(['items', 'nextCursor']);
    }
  });

  it('shows no storage attributes or version counters in any answer', () => {
    const text = JSON.stringify(doc.components.schemas);
    for (const internal of [
      '"pk"',
      '"sk"',
      '"gsi1pk"',
      'chargeVersion',
      '"aggregate"',
      'messageId',
      'passwordHash',
    ])
      expect(text).not.toContain(internal);
  });
});

describe('GET /api/v1/openapi.json and /api/v1/docs', () => {
  // The document routes read no deps: an empty object proves it.
  const api = createHttpApi(() => ({}) as never);
  const get = async (path: string) =>
    (await api(
      {
        version: '2.0',
        routeKey: '$default',
        rawPath: path,
        rawQueryString: '',
        headers: {},
        requestContext: { http: { method: 'GET', path } },
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2,
      {} as Context,
    )) as APIGatewayProxyStructuredResultV2;

  it('serves the document without an API key', async () => {
    const res = await get('/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toEqual(doc);
  });

  it('renders every operation and schema on the reference page, with no inline script', async () => {
    const res = await get('/api/v1/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('text/html');
    const body = String(res.body);
    for (const { op } of operations) expect(body).toContain(`id="op-${op.operationId}"`);
    for (const name of Object.keys(doc.components.schemas)) expect(body).toContain(`id="schema-${name}"`);
    expect(body).not.toMatch(/<script(?![^>]*src=)/);
    expect(body).not.toContain('https://');
  });

  it("shows the descriptions' backtick spans as code, not as backticks", async () => {
    const body = String((await get('/api/v1/docs')).body);
    expect(body).toContain('<code>Authorization: Bearer &lt;key&gt;</code>');
    expect(body).not.toContain('`');
  });
});
