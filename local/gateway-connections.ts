/**
 * The `@connections` management API of API Gateway's WebSocket API (POST, GET, DELETE
 * `/{stage}/@connections/{connectionId}`), served over plain HTTP so the real
 * `ApiGatewayManagementApiClient` works unchanged against the gateway emulator (gateway.ts).
 * Errors carry `x-amzn-ErrorType`, which the SDK turns into GoneException and friends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/** What the management API needs of an open connection. */
export interface ManagedConnection {
  socket: WebSocket;
  /** Epoch milliseconds. */
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

export interface ConnectionsApiOptions {
  connections: ReadonlyMap<string, ManagedConnection>;
  /** API Gateway refuses a POST larger than one WebSocket message may be. */
  maxMessageBytes: number;
  log: (line: string) => void;
}

/** The HTTP request listener of the management API. */
export function connectionsApi(
  opts: ConnectionsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serve(opts, req, res).catch((err) => {
      opts.log(`@connections error: ${String(err)}`);
      if (!res.headersSent)
        sendJson(res, 500, { message: 'Internal server error' }, 'InternalServerErrorException');
    });
  };
}

async function serve(opts: ConnectionsApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  // The stage segment is optional: the SDK sends it when the endpoint names one.
  const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(url.pathname);
  if (!match?.[1]) {
    sendJson(res, 404, { message: 'Not Found' }, 'NotFoundException');
    return;
  }
  const id = decodeURIComponent(match[1]);
  const conn = opts.connections.get(id);
  const body = await readBody(req);
  if (!conn) {
    sendJson(res, 410, { message: `connection ${id} is gone` }, 'GoneException');
    return;
  }
  switch (req.method) {
    case 'POST': {
      if (body.length > opts.maxMessageBytes) {
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
