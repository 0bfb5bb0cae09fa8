/**
 * The local HTTP server's own answers (a path it cannot decode, no route, a body over the limit, a
 * handler that crashed) carry the same headers as a handler's answer through the HTTP edge
 * middlewares (issue 9, finding 13: every response gets the same headers).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, startHttpServer } from '../../../local/http-server.js';
import { httpEdge } from '../../../shared/lambda/middlewares.js';

const ok = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(httpEdge())
  .handler(async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));

let server: HttpServer;

beforeAll(async () => {
  server = await startHttpServer({
    port: 0,
    routes: [
      { routeKey: 'GET /ok', handler: ok, functionName: 'ok' },
      { routeKey: 'POST /ok', handler: ok, functionName: 'ok' },
      {
        routeKey: 'GET /crash',
        // Not wrapped in the edge middlewares: the server itself has to answer.
        handler: async () => {
          throw new Error('boom');
        },
        functionName: 'crash',
      },
    ],
  });
});

afterAll(() => server.stop());

/** The response headers a client sees, without those that differ per response by nature. */
async function headersOf(res: Response): Promise<Record<string, string>> {
  await res.arrayBuffer();
  const {
    date: _date,
    'content-length': _length,
    connection: _connection,
    'keep-alive': _keepAlive,
    'transfer-encoding': _encoding,
    ...rest
  } = Object.fromEntries(res.headers);
  return rest;
}

describe("the local HTTP server's own answers", () => {
  it.each([
    ['a path it cannot decode', '/ok%ZZ', {}, 400],
    ['no route', '/no/such/route', {}, 404],
    ['a body over the limit', '/ok', { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) }, 413],
    ['a handler that crashed', '/crash', {}, 500],
  ] as const)('%s carries the headers a handler answer carries', async (_what, path, init, status) => {
    const want = await headersOf(await fetch(`${server.url}/ok`));
    expect(want).toHaveProperty('x-content-type-options', 'nosniff');
    const res = await fetch(`${server.url}${path}`, init as RequestInit);
    expect(res.status).toBe(status);
    expect(await headersOf(res)).toEqual(want);
  });
});
