/**
 * WebSocket gateway emulator: what API Gateway's WebSocket API does for the OCPP handlers.
 *
 * - `ws://host:port/ocpp/<chargerId>` (the CloudFront rewrite's job in AWS) and `?chargerId=`.
 * - Builds the API Gateway event shapes for the REQUEST authorizer, `$connect`, `$default` and
 *   `$disconnect`, and honours what they return: a Deny policy is a 403 at upgrade, an
 *   `Unauthorized` error or a missing identity source (Authorization header) a 401, a `$connect`
 *   status ≥ 300 that status, and the `Sec-WebSocket-Protocol` header `$connect` answers.
 * - `$default` has a route response, so a returned `body` goes back to the charger.
 * - Serves the `@connections` management API (POST, GET, DELETE) over HTTP, so the real
 *   `ApiGatewayManagementApiClient` works unchanged against it.
 * - Enforces the 128 KB message limit (close 1009) and the idle timeout (close 1001).
 * Like API Gateway, messages of one connection are dispatched concurrently: no ordering is promised.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AnyHandler, lambdaContext } from './lambda-types.js';
import { listen } from './ports.js';

export const MAX_MESSAGE_BYTES = 128 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export interface GatewayHandlers {
  authorizer?: AnyHandler;
  connect: AnyHandler;
  disconnect: AnyHandler;
  default: AnyHandler;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  /** API Gateway stage; also the first path segment chargers use (`/ocpp/<id>`). */
  stage?: string;
  handlers: GatewayHandlers;
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Gateway {
  /** Base URL chargers append their id to, e.g. `ws://127.0.0.1:8180/ocpp`. */
  ocppUrl: string;
  /** Endpoint for `ApiGatewayManagementApiClient` (`https://{domain}/{stage}` in AWS). */
  connectionsUrl: string;
  port: number;
  connectionCount(): number;
  stop(): Promise<void>;
}

interface Connection {
  id: string;
  socket: WebSocket;
  chargerId: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  headers: Record<string, string>;
  authorizer: Record<string, unknown> | undefined;
  idleTimer?: NodeJS.Timeout;
}

const API_ID = 'localapi';

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  const stage = opts.stage ?? 'ocpp';
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const log = opts.log ?? (() => {});
  const connections = new Map<string, Connection>();
  /** $disconnect invocations still running; stop() lets them finish while the table is still up. */
  const disconnecting = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // The protocol was chosen by $connect; ws must echo exactly that, so it is set per upgrade below.
    handleProtocols: (_offered, req) => (req as UpgradeRequest).chosenProtocol ?? false,
  });
  const server = createServer((req, res) => {
    void serveManagementApi(req, res).catch((err) => {
      log(`@connections error: ${String(err)}`);
      if (!res.headersSent)
        sendJson(res, 500, { message: 'Internal server error' }, 'InternalServerErrorException');
    });
  });
  let domainName = `${host}`;

  const baseContext = (conn: Pick<Connection, 'id' | 'connectedAt' | 'sourceIp' | 'userAgent'>) => {
    const now = Date.now();
    return {
      stage,
      domainName,
      apiId: API_ID,
      connectionId: conn.id,
      connectedAt: conn.connectedAt,
      requestId: randomUUID(),
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      messageDirection: 'IN',
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    };
  };

  server.on('upgrade', (req: UpgradeRequest, socket: Duplex, head: Buffer) => {
    void handleUpgrade(req, socket, head).catch((err) => {
      log(`$connect failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rejectUpgrade(socket, 500, 'Internal Server Error');
    });
  });

  async function handleUpgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== stage || segments.length > 2) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    // What the CloudFront Function does in AWS: the path's last segment becomes ?chargerId=.
    if (segments[1] !== undefined) query.chargerId = decodeURIComponent(segments[1]);
    const headers = rawHeaders(req);
    const conn = {
      id: connectionId(),
      connectedAt: Date.now(),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: req.headers['user-agent'] ?? '',
    };
    const requestContext = { ...baseContext(conn), routeKey: '$connect', eventType: 'CONNECT' };
    const common = {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length ? query : undefined,
      multiValueQueryStringParameters: Object.keys(query).length
        ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
        : undefined,
      stageVariables: undefined,
      isBase64Encoded: false,
    };

    let authorizer: Record<string, unknown> | undefined;
    if (opts.handlers.authorizer) {
      // The identity source is route.request.header.Authorization: without it API Gateway answers 401
      // and never invokes the authorizer.
      if (!req.headers.authorization) {
        rejectUpgrade(socket, 401, 'Unauthorized');
        return;
      }
      let result: APIGatewayAuthorizerResult;
      try {
        result = await opts.handlers.authorizer(
          {
            ...common,
            type: 'REQUEST',
            methodArn: `arn:aws:execute-api:local:000000000000:${API_ID}/${stage}/$connect`,
            requestContext,
          },
          lambdaContext('ocpp-authorizer'),
        );
      } catch (err) {
        const unauthorized = err instanceof Error && err.message === 'Unauthorized';
        if (!unauthorized) log(`authorizer error: ${String(err)}`);
        rejectUpgrade(
          socket,
          unauthorized ? 401 : 500,
          unauthorized ? 'Unauthorized' : 'Internal Server Error',
        );
        return;
      }
      const allowed = result?.policyDocument?.Statement?.some((s) => s.Effect === 'Allow') ?? false;
      const denied = result?.policyDocument?.Statement?.some((s) => s.Effect === 'Deny') ?? true;
      if (!allowed || denied) {
        rejectUpgrade(socket, 403, 'Forbidden');
        return;
      }
      authorizer = { ...(result.context ?? {}), principalId: result.principalId };
    }

    const response = await opts.handlers.connect(
      { ...common, requestContext: { ...requestContext, authorizer } },
      lambdaContext('ocpp-connect'),
    );
    const status = typeof response?.statusCode === 'number' ? response.statusCode : 200;
    if (status >= 300) {
      rejectUpgrade(socket, status, typeof response?.body === 'string' ? response.body : 'Forbidden');
      return;
    }
    const protocolHeader = Object.entries((response?.headers ?? {}) as Record<string, string>).find(
      ([k]) => k.toLowerCase() === 'sec-websocket-protocol',
    )?.[1];
    req.chosenProtocol = protocolHeader;

    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        ...conn,
        socket: ws,
        chargerId: query.chargerId ?? '',
        lastActiveAt: Date.now(),
        headers,
        authorizer,
      };
      connections.set(conn.id, connection);
      touch(connection);
      ws.on('message', (data, isBinary) => {
        touch(connection);
        const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
        void dispatchMessage(connection, body, isBinary);
      });
      // An oversize message (maxPayload) or a protocol violation: ws closes the socket with the
      // right code (1009, 1002) and reports it here; without a listener it would crash the process.
      ws.on('error', (err) => log(`connection ${conn.id} of ${connection.chargerId}: ${err.message}`));
      ws.on('close', (code, reason) => {
        clearTimeout(connection.idleTimer);
        connections.delete(conn.id);
        const done = opts.handlers
          .disconnect(
            {
              headers,
              isBase64Encoded: false,
              requestContext: {
                ...baseContext(connection),
                routeKey: '$disconnect',
                eventType: 'DISCONNECT',
                disconnectStatusCode: code,
                disconnectReason: reason.toString(),
                authorizer,
              },
            },
            lambdaContext('ocpp-disconnect'),
          )
          .catch((err) => log(`$disconnect failed: ${String(err)}`))
          .finally(() => disconnecting.delete(done));
        disconnecting.add(done);
      });
    });
  }

  async function dispatchMessage(conn: Connection, body: string, isBinary: boolean): Promise<void> {
    try {
      const result = await opts.handlers.default(
        {
          body,
          isBase64Encoded: isBinary,
          requestContext: {
            ...baseContext(conn),
            routeKey: '$default',
            eventType: 'MESSAGE',
            messageId: randomBytes(8).toString('base64url'),
            authorizer: conn.authorizer,
          },
        },
        lambdaContext('ocpp-message'),
      );
      const reply = typeof result === 'string' ? result : result?.body;
      if (typeof reply === 'string' && reply.length > 0 && conn.socket.readyState === conn.socket.OPEN) {
        conn.socket.send(reply);
      }
    } catch (err) {
      // API Gateway answers an integration failure with its own JSON error frame; chargers never
      // see handler internals. The handler is expected never to throw: log it loudly.
      log(
        `$default handler threw for ${conn.chargerId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }

  function touch(conn: Connection): void {
    conn.lastActiveAt = Date.now();
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => conn.socket.close(1001, 'Going away: idle timeout'), idleTimeoutMs);
    conn.idleTimer.unref();
  }

  async function serveManagementApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(url.pathname);
    if (!match?.[1]) {
      sendJson(res, 404, { message: 'Not Found' }, 'NotFoundException');
      return;
    }
    const id = decodeURIComponent(match[1]);
    const conn = connections.get(id);
    const body = await readBody(req);
    if (!conn) {
      sendJson(res, 410, { message: `connection ${id} is gone` }, 'GoneException');
      return;
    }
    switch (req.method) {
      case 'POST': {
        if (body.length > MAX_MESSAGE_BYTES) {
          sendJson(res, 413, { message: 'Payload too large' }, 'PayloadTooLargeException');
          return;
        }
        conn.socket.send(body.toString('utf8'));
        res.writeHead(200).end();
        return;
      }
      case 'GET':
        // The REST wire format is camelCase; the SDK maps it to ConnectedAt, Identity, LastActiveAt.
        sendJson(res, 200, {
          connectedAt: new Date(conn.connectedAt).toISOString(),
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
        });
        return;
      case 'DELETE':
        conn.socket.close(1000, 'Closed by the platform');
        res.writeHead(204).end();
        return;
      default:
        sendJson(res, 405, { message: `method ${req.method} not allowed` }, 'BadRequestException');
    }
  }

  const port = await listen(server, opts.port, host, 'OCPP WebSocket gateway');
  domainName = `${host}:${port}`;
  return {
    ocppUrl: `ws://${host}:${port}/${stage}`,
    connectionsUrl: `http://${host}:${port}/${stage}`,
    port,
    connectionCount: () => connections.size,
    stop: async () => {
      for (const conn of connections.values()) {
        clearTimeout(conn.idleTimer);
        conn.socket.terminate();
      }
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.race([
        Promise.allSettled([...disconnecting]),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]);
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface UpgradeRequest extends IncomingMessage {
  chosenProtocol?: string | undefined;
}

/** API Gateway passes headers with the case the client sent. */
function rawHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

function connectionId(): string {
  // API Gateway connection ids are 16 characters ending in '='-free base64, e.g. "L0SM9cOFvHcCIhw=".
  return randomBytes(10).toString('base64');
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (errorType) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
