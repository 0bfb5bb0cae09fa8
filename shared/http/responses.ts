import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
// zod/mini's `safeParse` takes the schemas of either API: the driver's routes are on zod/mini (the
// chained API would put ~460 KB on the HTTP function's cold start), the operator API's on zod.
import * as z from 'zod/mini';
import { listProblems } from '../domain/problems.js';
import { badRequest, HttpError } from '../lambda/http-errors.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyResultV2;

export const htmlResponse = (body: string, statusCode = 200): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

export const json = (body: unknown, statusCode = 200): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** A 429 in the API's error shape, with `retry-after` (whole seconds, at least 1) until `untilMs`. */
export const tooManyRequests = (
  code: string,
  message: string,
  untilMs: number,
  nowMs: number,
): HttpResult => ({
  statusCode: 429,
  body: JSON.stringify({ error: { code, message } }),
  headers: {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'retry-after': String(Math.max(1, Math.ceil((untilMs - nowMs) / 1000))),
  },
});

/** Validates one path or query parameter; the 400 names it. */
export function param<T>(schema: z.core.$ZodType<T>, value: unknown, name: string): T {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success)
    throw badRequest(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'invalid_parameter');
  return parsed.data;
}

/**
 * The largest JSON body a route reads. The biggest legitimate one, a tariff at its element limit,
 * is well under it; API Gateway lets up to 10 MB through, and parsing and validating that much
 * would hold the function for seconds and answer with an error as large.
 */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/** The body's size in bytes, counted without decoding or parsing it. */
function bodyBytes(event: HttpEvent & { body: string }): number {
  if (event.isBase64Encoded) return Math.floor((event.body.length * 3) / 4);
  // A UTF-8 character takes at least one byte: a string longer than the limit is over it.
  return event.body.length > MAX_JSON_BODY_BYTES ? event.body.length : Buffer.byteLength(event.body, 'utf8');
}

/**
 * Parses a JSON body against a schema; a body over {@link MAX_JSON_BODY_BYTES} is refused with 413
 * before it is parsed. The 400 names the first few problems with their paths and counts the rest.
 */
export function jsonBody<T>(event: HttpEvent, schema: z.core.$ZodType<T>): T {
  if (!event.body) throw badRequest('a JSON body is required', 'body_missing');
  const bytes = bodyBytes(event as HttpEvent & { body: string });
  if (bytes > MAX_JSON_BODY_BYTES)
    throw new HttpError(413, `the body is ${bytes} bytes; at most ${MAX_JSON_BODY_BYTES}`, 'body_too_large');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON', 'body_not_json');
  }
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`,
    );
    throw badRequest(listProblems(problems), 'invalid_body');
  }
  return parsed.data;
}
