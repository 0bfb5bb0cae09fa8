/**
 * WebSocket gateway emulator: what API Gateway's WebSocket API does for the OCPP handlers.
 *
 * - `ws://host:port/<stage>/<chargerId>` (in AWS the CloudFront Function rewrites that path to
 *   `?chargerId=`) and `ws://host:port/<stage>?chargerId=<id>` are both accepted.
 * - Invokes the REQUEST authorizer and `$connect` on upgrade (event shapes in gateway-events.ts) and
 *   honours what they return: a Deny policy is a 403 at upgrade, an `Unauthorized` error or a
 *   missing identity source (Authorization header) a 401, a `$connect` status ≥ 300 that status,
 *   and the `Sec-WebSocket-Protocol` header `$connect` answers is the subprotocol agreed.
 * - A `body` returned by `$default` goes back to the charger as a two-way route's would; the AWS
 *   entry returns none and posts its reply through `@connections` (a one-way route).
 * - Serves the `@connections` management API on a loopback port of its own, never the charger-facing
 *   one (gateway-connections.ts): in AWS it is an IAM-signed API apart from the chargers' endpoint.
 * - Enforces the 128 KB message limit (close 1009) and the idle timeout (close 1001).
 * - One connection per charger id: a newer one closes the older with 1000 (the newest wins).
 * - Per-connection fairness and rate limit (gateway-fairness.ts): one message of a connection in
 *   flight at a time, the rest queued per connection, so one charger's backlog never runs ahead of
 *   the others; a CALL over the connection's token bucket gets a CALLERROR (`GenericError`,
 *   "rate limit") without reaching a route. API Gateway dispatches a connection's messages
 *   concurrently and limits only per stage; the handlers assume no order either way.
 */
import { createServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { type WebSocket, WebSocketServer } from 'ws';
import { connectionsApi, type ManagedConnection } from './gateway-connections.js';
import {
  type ApiSite,
  type AuthorizerContext,
  authorizerEvent,
  type ConnectionIdentity,
  type ConnectRequest,
  connectEvent,
  connectRequest,
  disconnectEvent,
  messageEvent,
  newConnectionId,
  rawHeaders,
} from './gateway-events.js';
import {
  callMessageId,
  DEFAULT_RATE_LIMIT,
  type RateLimit,
  rateLimitedCallError,
  SerialQueue,
  TokenBucket,
} from './gateway-fairness.js';
import { type AnyHandler, lambdaContext } from './lambda-types.js';
import { listen, urlHost } from './ports.js';

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
  /** Charger-facing interface; default 127.0.0.1. */
  host?: string;
  /** Port of the `@connections` API, always on 127.0.0.1 (0: any free port). */
  connectionsPort?: number;
  /** The access key id `@connections` requests must be signed with (default 'local'). */
  accessKeyId?: string;
  /** API Gateway stage; also the first path segment chargers use (`/ocpp/<id>`). */
  stage?: string;
  handlers: GatewayHandlers;
  idleTimeoutMs?: number;
  /** Per-connection limit on CALLs from the charger (default 20/s, burst 40). */
  rateLimit?: RateLimit;
  /** Milliseconds clock of the rate limit (tests freeze it). */
  nowMs?: () => number;
  log?: (line: string) => void;
}

export interface Gateway {
  /** Base URL chargers append their id to, e.g. `ws://127.0.0.1:8180/ocpp`. */
  ocppUrl: string;
  /** Endpoint for `ApiGatewayManagementApiClient` (`https://{domain}/{stage}` in AWS). */
  connectionsUrl: string;
  port: number;
  connectionsPort: number;
  connectionCount(): number;
  stop(): Promise<void>;
}

interface Connection extends ConnectionIdentity, ManagedConnection {
  socket: WebSocket;
  chargerId: string;
  headers: Record<string, string>;
  authorizer: AuthorizerContext;
  idleTimer?: NodeJS.Timeout;
  /** Set once a newer connection of the same charger took over. */
  replaced?: boolean;
  /** This connection's messages, dispatched one at a time. */
  inbox: SerialQueue;
  bucket: TokenBucket;
}

interface UpgradeRequest extends IncomingMessage {
  chosenProtocol?: string | undefined;
}

const LOOPBACK = '127.0.0.1';

/**
 * How long stop() waits for `$disconnect` invocations still running. Long enough for a thousand
 * chargers that all went away at once (each invocation is a DynamoDB write; DynamoDB Local takes a
 * few hundred a second here): stopping the table under them would fail each one.
 */
const DISCONNECT_GRACE_MS = 30_000;

/**
 * Messages a connection may have waiting before its socket is paused. With the rate limit, only
 * replies (never refused) and CALLs within the limit queue up; a sender past this waits on TCP.
 */
const MAX_QUEUED_PER_CONNECTION = 64;

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  const site: ApiSite = { stage: opts.stage ?? 'ocpp', domainName: host };
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const log = opts.log ?? (() => {});
  const rateLimit = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
  const nowMs = opts.nowMs ?? (() => performance.now());
  const connections = new Map<string, Connection>();
  /** $disconnect invocations still running; stop() lets them finish while the table is still up. */
  const disconnecting = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // The protocol was chosen by $connect; ws must echo exactly that, so it is set per upgrade below.
    handleProtocols: (_offered, req) => (req as UpgradeRequest).chosenProtocol ?? false,
  });
  // The charger-facing port only upgrades; a plain request there is refused.
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('Upgrade Required');
  });
  const connectionsServer = createServer(
    connectionsApi({
      connections,
      accessKeyId: opts.accessKeyId ?? 'local',
      maxMessageBytes: MAX_MESSAGE_BYTES,
      log,
    }),
  );

  server.on('upgrade', (req: UpgradeRequest, socket: Duplex, head: Buffer) => {
    void handleUpgrade(req, socket, head).catch((err) => {
      log(`$connect failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rejectUpgrade(socket, 500, 'Internal Server Error');
    });
  });

  async function handleUpgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): Promise<void> {
    const query = chargerQuery(req, site.stage);
    if (query === 'malformed') {
      // API Gateway (behind CloudFront) refuses a malformed URL before any route runs.
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    if (!query) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    const identity: ConnectionIdentity = {
      id: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: req.headers['user-agent'] ?? '',
    };
    const request = connectRequest(site, identity, rawHeaders(req), query);

    let authorizer: AuthorizerContext;
    if (opts.handlers.authorizer) {
      // The identity source is route.request.header.Authorization: without it API Gateway answers 401
      // and never invokes the authorizer.
      if (!req.headers.authorization) {
        rejectUpgrade(socket, 401, 'Unauthorized');
        return;
      }
      const decision = await authorize(opts.handlers.authorizer, request);
      if (decision.kind === 'refused') {
        rejectUpgrade(socket, decision.status, decision.message);
        return;
      }
      authorizer = decision.context;
    }

    const response = await opts.handlers.connect(
      connectEvent(request, authorizer),
      lambdaContext('ocpp-connect'),
    );
    const status = typeof response?.statusCode === 'number' ? response.statusCode : 200;
    if (status >= 300) {
      rejectUpgrade(socket, status, typeof response?.body === 'string' ? response.body : 'Forbidden');
      return;
    }
    req.chosenProtocol = Object.entries((response?.headers ?? {}) as Record<string, string>).find(
      ([k]) => k.toLowerCase() === 'sec-websocket-protocol',
    )?.[1];

    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        ...identity,
        socket: ws,
        chargerId: query.chargerId ?? '',
        lastActiveAt: Date.now(),
        headers: request.headers,
        authorizer,
        inbox: new SerialQueue(ws, MAX_QUEUED_PER_CONNECTION),
        bucket: new TokenBucket(rateLimit, nowMs()),
      };
      replaceOlderConnections(connection);
      connections.set(connection.id, connection);
      touch(connection);
      ws.on('message', (data, isBinary) => {
        // A replaced socket may still deliver frames while its close handshake runs: they are not
        // the charger's any more (the newest connection is), so they reach no route.
        if (connection.replaced) return;
        touch(connection);
        const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
        const callId = isBinary ? undefined : callMessageId(body);
        if (callId !== undefined && !connection.bucket.take(nowMs())) {
          ws.send(rateLimitedCallError(callId));
          return;
        }
        connection.inbox.push(() => dispatchMessage(connection, body, isBinary));
      });
      // An oversize message (maxPayload) or a protocol violation: ws closes the socket with the
      // right code (1009, 1002) and reports it here; without a listener it would crash the process.
      ws.on('error', (err) => log(`connection ${connection.id} of ${connection.chargerId}: ${err.message}`));
      ws.on('close', (code, reason) => {
        clearTimeout(connection.idleTimer);
        connections.delete(connection.id);
        const done = opts.handlers
          .disconnect(
            disconnectEvent(
              site,
              connection,
              connection.headers,
              { code, reason: reason.toString() },
              authorizer,
            ),
            lambdaContext('ocpp-disconnect'),
          )
          .catch((err) => log(`$disconnect failed: ${String(err)}`))
          .finally(() => disconnecting.delete(done));
        disconnecting.add(done);
      });
    });
  }

  async function authorize(
    authorizer: AnyHandler,
    request: ConnectRequest,
  ): Promise<
    { kind: 'allowed'; context: AuthorizerContext } | { kind: 'refused'; status: number; message: string }
  > {
    let result: APIGatewayAuthorizerResult;
    try {
      result = await authorizer(authorizerEvent(site, request), lambdaContext('ocpp-authorizer'));
    } catch (err) {
      // A Lambda authorizer refuses with 401 by throwing exactly 'Unauthorized'; anything else is
      // an authorizer failure, which API Gateway answers with 500.
      if (err instanceof Error && err.message === 'Unauthorized') {
        return { kind: 'refused', status: 401, message: 'Unauthorized' };
      }
      log(`authorizer error: ${String(err)}`);
      return { kind: 'refused', status: 500, message: 'Internal Server Error' };
    }
    // One Deny statement outweighs any Allow, and a policy without statements allows nothing.
    const statements = result?.policyDocument?.Statement;
    const allowed = statements?.some((s) => s.Effect === 'Allow') ?? false;
    const denied = statements?.some((s) => s.Effect === 'Deny') ?? true;
    if (!allowed || denied) return { kind: 'refused', status: 403, message: 'Forbidden' };
    return { kind: 'allowed', context: { ...(result.context ?? {}), principalId: result.principalId } };
  }

  async function dispatchMessage(conn: Connection, body: string, isBinary: boolean): Promise<void> {
    try {
      const result = await opts.handlers.default(
        messageEvent(site, conn, body, isBinary, conn.authorizer),
        lambdaContext('ocpp-message'),
      );
      const reply = typeof result === 'string' ? result : result?.body;
      if (typeof reply === 'string' && reply.length > 0 && conn.socket.readyState === conn.socket.OPEN) {
        conn.socket.send(reply);
      }
    } catch (err) {
      // The OCPP message handler never throws (it answers CALLERROR itself), so a throw is a bug:
      // log it loudly. API Gateway would send the charger its own JSON error frame
      // ({"message": "Internal server error", ...}); the emulator sends nothing.
      log(
        `$default handler threw for ${conn.chargerId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }

  /**
   * The newest connection of a charger wins: an older one still open (a charger that reconnected
   * before its old TCP link timed out, or someone else using its id) is closed normally, so it is
   * neither served nor reachable through @connections. Its `$disconnect` still runs, and finds a
   * newer connection recorded.
   */
  function replaceOlderConnections(newest: Connection): void {
    for (const old of connections.values()) {
      if (old.chargerId !== newest.chargerId || old.id === newest.id) continue;
      old.replaced = true;
      connections.delete(old.id);
      clearTimeout(old.idleTimer);
      log(`connection ${old.id} of ${old.chargerId} replaced by ${newest.id}`);
      old.socket.close(1000, 'Replaced by a newer connection');
    }
  }

  function touch(conn: Connection): void {
    conn.lastActiveAt = Date.now();
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => conn.socket.close(1001, 'Going away: idle timeout'), idleTimeoutMs);
    conn.idleTimer.unref();
  }

  const port = await listen(server, opts.port, host, 'OCPP WebSocket gateway');
  site.domainName = `${host}:${port}`;
  const connectionsPort = await listen(
    connectionsServer,
    opts.connectionsPort ?? 0,
    LOOPBACK,
    '@connections API',
  ).catch(async (err) => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  });
  return {
    ocppUrl: `ws://${urlHost(host)}:${port}/${site.stage}`,
    connectionsUrl: `http://${LOOPBACK}:${connectionsPort}/${site.stage}`,
    port,
    connectionsPort,
    connectionCount: () => connections.size,
    stop: async () => {
      for (const conn of connections.values()) {
        clearTimeout(conn.idleTimer);
        conn.inbox.clear();
        conn.socket.terminate();
      }
      // terminate() emits 'close' (and so starts $disconnect) on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      if (disconnecting.size > 100)
        log(`stopping: waiting for ${disconnecting.size} $disconnect invocations`);
      await Promise.race([
        Promise.allSettled([...disconnecting]),
        new Promise((r) => setTimeout(r, DISCONNECT_GRACE_MS).unref()),
      ]);
      wss.close();
      for (const s of [server, connectionsServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/**
 * The query string the routes see, or undefined when the path is not `/<stage>[/<chargerId>]`.
 * The path's last segment becomes `?chargerId=`, as the CloudFront Function does it in AWS.
 * 'malformed' when the charger id segment is not valid percent-encoding (`%ZZ`): a client error,
 * not a gateway failure.
 */
function chargerQuery(req: IncomingMessage, stage: string): Record<string, string> | 'malformed' | undefined {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments[0] !== stage || segments.length > 2) return undefined;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  if (segments[1] !== undefined) {
    try {
      query.chargerId = decodeURIComponent(segments[1]);
    } catch {
      return 'malformed';
    }
  }
  return query;
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
