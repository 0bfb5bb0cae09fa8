/**
 * The OpenAPI 3.1 document of the operator API, generated from the operation registry (registry.ts)
 * and never written by hand. zod 4's own JSON Schema output (draft 2020-12, the dialect OpenAPI 3.1
 * uses) converts the shapes, so no OpenAPI library sits between the code and the document: shapes
 * with a `meta({ id })` become `components.schemas` entries, referenced wherever they appear.
 */
import * as z from 'zod';
import { IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER } from '../idempotency.js';
import { ErrorShape, type Operation } from './registry.js';

type Json = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
const HTTP_REASON: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing or invalid API key',
  404: 'Not found (also another operator’s resource)',
  409: 'Conflict',
  413: 'Body too large',
  429: 'Too many requests',
  500: 'Internal error',
};

/** Collects named schemas as operations are converted; one id names one schema. */
class Schemas {
  readonly byId: Record<string, Json> = {};

  /** The JSON Schema of a shape, its named parts moved to components and referenced from there. */
  of(schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    // `#/$defs/X` → `#/components/schemas/X`: the defs live in the document's components.
    const text = JSON.stringify(converted).replaceAll('"#/$defs/', `"${COMPONENTS}`);
    const { $schema: _dialect, $defs, ...root } = JSON.parse(text) as Json & { $defs?: Record<string, Json> };
    for (const [id, def] of Object.entries($defs ?? {})) this.add(id, def);
    return root;
  }

  private add(id: string, def: Json): void {
    const known = this.byId[id];
    // The same id read for a request (defaults optional) and a response would differ: refuse, so a
    // shape used both ways gets two ids rather than a wrong one.
    if (known && JSON.stringify(known) !== JSON.stringify(def))
      throw new Error(`schema ${id} converts to two different JSON Schemas (request and response?)`);
    this.byId[id] = def;
  }
}

function parametersOf(op: Operation, schemas: Schemas): Json[] {
  const out: Json[] = [];
  for (const [where, shape] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!shape) continue;
    const object = schemas.of(shape, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (op.idempotency)
    out.push({
      name: IDEMPOTENCY_HEADER,
      in: 'header',
      required: false,
      description:
        'Any unique string (at most 255 visible ASCII characters), kept 24 hours: the same request sent again with it (after a lost answer) gets the first answer, with `Idempotent-Replayed: true`, and moves no money twice.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  return out;
}

const RETRY_AFTER = {
  description: 'Seconds until the request is allowed again.',
  schema: { type: 'integer', minimum: 1 },
};

function responsesOf(op: Operation, schemas: Schemas, authenticated: boolean): Json {
  const errorRef = { $ref: `${COMPONENTS}Error` };
  schemas.of(ErrorShape, 'output');
  const errors: Record<number, readonly string[]> = { ...op.errors };
  if (op.idempotency) {
    errors[400] = [...new Set([...(errors[400] ?? []), 'invalid_parameter'])];
    errors[409] = [...new Set([...(errors[409] ?? []), ...IDEMPOTENCY_ERRORS[409]])];
  }
  if (authenticated) errors[401] = ['unauthorized'];
  const out: Json = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    const contentType = spec.contentType ?? 'application/json';
    const schema = spec.schema ? schemas.of(spec.schema, 'output') : { type: 'string', format: 'binary' };
    const codes = errors[Number(status)];
    out[status] = {
      description: codes ? `${spec.description} Or an error: ${codes.join(', ')}.` : spec.description,
      content: { [contentType]: { schema: codes ? { oneOf: [schema, errorRef] } : schema } },
    };
  }
  for (const [status, codes] of Object.entries(errors)) {
    if (out[status]) continue;
    out[status] = {
      description: `${HTTP_REASON[Number(status)] ?? 'Error'}: ${codes.join(', ')}.`,
      ...(status === '429' ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      content: { 'application/json': { schema: errorRef } },
    };
  }
  return out;
}

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

/** The document for these operations. Authenticated ones carry the bearer API key requirement. */
export function openApiDocument(
  operations: readonly Operation[],
  info: DocumentInfo = {
    title: 'EV charging platform: operator API',
    version: '1',
    description:
      'Send the operator API key as `Authorization: Bearer <key>`. Lists are paged: `?limit=&cursor=`, ' +
      'answered `{ items, nextCursor }`; pass `nextCursor` back as `cursor` until it is null. Money is ' +
      'integer minor units beside its currency; times are ISO 8601 with offset; errors are ' +
      '`{"error":{"code","message"}}`.',
  },
): Json {
  const schemas = new Schemas();
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const parameters = parametersOf(op, schemas);
    const operation: Json = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      security: op.auth === 'none' ? [] : [{ apiKey: [] }],
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: { 'application/json': { schema: schemas.of(op.body, 'input') } },
            },
          }
        : {}),
      responses: responsesOf(op, schemas, op.auth !== 'none'),
      ...(op.tenancy ? { 'x-tenancy': op.tenancy } : {}),
    };
    paths[op.path] = { ...paths[op.path], [op.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.1',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas.byId).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'The operator API key (`evk_…`).' },
      },
    },
  };
}
