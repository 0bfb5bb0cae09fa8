import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { badRequest } from '../lambda/http-errors.js';

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

/** Validates one path or query parameter; the 400 names it. */
export function param<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw badRequest(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'invalid_parameter');
  return parsed.data;
}

/** Parses a JSON body against a schema; every problem is listed with its path. */
export function jsonBody<T>(event: HttpEvent, schema: z.ZodType<T>): T {
  if (!event.body) throw badRequest('a JSON body is required', 'body_missing');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON', 'body_not_json');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`,
    );
    throw badRequest(problems.join('; '), 'invalid_body');
  }
  return parsed.data;
}
