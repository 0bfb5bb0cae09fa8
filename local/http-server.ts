/**
 * HTTP API emulator: turns node:http requests into API Gateway HTTP API (payload 2.0) events
 * (APIGatewayProxyEventV2) and calls the same handlers Lambda runs, routed as the CDK stack routes them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpEdge } from '../shared/lambda/middlewares.js';
import { type AnyHandler, lambdaContext } from './lambda-types.js';
import { listen, urlHost } from './ports.js';

export interface HttpRoute {
  /** `POST /stripe/webhook`, or `ANY /{proxy+}` for the catch-all. */
  routeKey: string;
  handler: AnyHandler;
  functionName: string;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  routes: HttpRoute[];
  log?: (line: string) => void;
}

export interface HttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const TEXTUAL = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|multipart\/form-data)/i;
const MAX_BODY_BYTES = 10 * 1024 * 1024; // API Gateway HTTP API payload limit

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const server = createServer((req, res) => {
    void serve(req, res).catch(async (err) => {
      log(
        `http ${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent) writeResult(res, await ownAnswer(500, 'Internal Server Error'));
    });
  });
  let domainName = host;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    // API Gateway URL-decodes the path before it matches routes and fills path parameters
    // (requestContext.http.path, pathParameters); only rawPath stays as the client sent it.
    const path = decodePath(url.pathname);
    if (path === undefined) {
      writeResult(res, await ownAnswer(400, 'Bad Request'));
      return;
    }
    const route = matchRoute(opts.routes, method, path);
    if (!route) {
      writeResult(res, await ownAnswer(404, 'Not Found'));
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      writeResult(res, await ownAnswer(413, 'Request Entity Too Large'));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'cookie' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    const textual = body.length === 0 || TEXTUAL.test(headers['content-type'] ?? 'text/plain');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
    const now = Date.now();
    const proxy = route.routeKey.endsWith('/{proxy+}') ? path.replace(/^\//, '') : undefined;
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      cookies: req.headers.cookie ? req.headers.cookie.split(/;\s*/) : undefined,
      headers,
      queryStringParameters: Object.keys(query).length ? query : undefined,
      pathParameters: proxy !== undefined ? { proxy } : undefined,
      requestContext: {
        accountId: '000000000000',
        apiId: 'localhttp',
        domainName,
        domainPrefix: domainName.split('.')[0],
        http: {
          method,
          path,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
      body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: !textual,
    };
    const result = await route.handler(event, lambdaContext(route.functionName));
    writeResult(res, result);
  }

  const port = await listen(server, opts.port, host, 'HTTP API (pages, operator API, webhooks)');
  domainName = `${host}:${port}`;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An answer of the server's own (API Gateway's wording), put through the response middlewares every
 * HTTP function uses (shared/lambda/middlewares.ts), so it carries the very headers a handler's
 * answer carries, and keeps carrying them when those change.
 */
function ownAnswer(statusCode: number, message: string): Promise<APIGatewayProxyStructuredResultV2> {
  const answer = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpEdge())
    .handler(async () => ({
      statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    }));
  return answer({} as APIGatewayProxyEventV2, lambdaContext('local-http-server'));
}

/** The decoded path, or undefined when its percent-encoding is malformed (`%ZZ`). */
function decodePath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
}

function matchRoute(routes: HttpRoute[], method: string, path: string): HttpRoute | undefined {
  // API Gateway picks the most specific route: exact method+path first, then greedy proxies.
  const exact = routes.find((r) => r.routeKey === `${method} ${path}` || r.routeKey === `ANY ${path}`);
  if (exact) return exact;
  return routes.find((r) => {
    const [m, p] = r.routeKey.split(' ') as [string, string];
    if (m !== 'ANY' && m !== method) return false;
    if (!p.endsWith('/{proxy+}')) return false;
    const prefix = p.slice(0, -'{proxy+}'.length);
    return path.startsWith(prefix) || `${path}/` === prefix;
  });
}

/** Payload 2.0 response rules: a string or object without statusCode is a 200 JSON body. */
function writeResult(res: ServerResponse, result: unknown): void {
  if (typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const r = (result ?? {}) as {
    statusCode?: number;
    headers?: Record<string, string | number | boolean>;
    body?: string;
    isBase64Encoded?: boolean;
    cookies?: string[];
  };
  if (r.statusCode === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = String(v);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  const body = r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body;
  res.writeHead(r.statusCode, headers).end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
