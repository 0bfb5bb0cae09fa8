/**
 * The `@connections` management API of API Gateway's WebSocket API (POST, GET, DELETE
 * `/{stage}/@connections/{connectionId}`), served over plain HTTP so the real
 * `ApiGatewayManagementApiClient` works unchanged against the gateway emulator (gateway.ts).
 * Errors carry `x-amzn-ErrorType`, which the SDK turns into GoneException and friends.
 *
 * Whoever reaches this API can send frames to any charger and disconnect it, so (as in AWS, where
 * it needs IAM-signed requests) it is never on the charger-facing port: the gateway serves it on a
 * loopback port of its own, refuses requests that carry no SigV4 signature of the local
 * credentials, and stops reading a body past one WebSocket message.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
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
  /** The access key id the embedded runtime signs with (AWS_ACCESS_KEY_ID 'local'). */
  accessKeyId: string;
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
  const refusal = signatureRefusal(req.headers, opts.accessKeyId);
  if (refusal) {
    drain(req, res);
    sendJson(res, 403, { message: refusal.message }, refusal.errorType);
    return;
  }
  const url = new URL(req.url ?? '/', 'http://gateway');
  // The stage segment is optional: the SDK sends it when the endpoint names one.
  const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(url.pathname);
  let id: string | undefined;
  try {
    id = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  } catch {
    id = undefined;
  }
  if (!id) {
    drain(req, res);
    sendJson(res, 404, { message: 'Not Found' }, 'NotFoundException');
    return;
  }
  const body = await readBody(req, opts.maxMessageBytes);
  if (body === 'too-large') {
    // API Gateway refuses a POST larger than one WebSocket message may be; the rest is not read.
    res.setHeader('connection', 'close');
    sendJson(res, 413, { message: 'Payload too large' }, 'PayloadTooLargeException');
    res.once('finish', () => req.destroy());
    return;
  }
  const conn = opts.connections.get(id);
  if (!conn) {
    sendJson(res, 410, { message: `connection ${id} is gone` }, 'GoneException');
    return;
  }
  switch (req.method) {
    case 'POST': {
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

/**
 * The SDK signs every request with SigV4: `AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/
 * execute-api/aws4_request, SignedHeaders=..., Signature=<64 hex>` plus `x-amz-date`. The emulator
 * checks that such a signature is there and names the local key id; it does not recompute it (the
 * local secret is public anyway): the point is that a browser or a stray client on this machine
 * cannot drive chargers by a plain request.
 */
function signatureRefusal(
  headers: IncomingHttpHeaders,
  accessKeyId: string,
): { message: string; errorType: string } | undefined {
  const authorization = headers.authorization;
  if (!authorization || !headers['x-amz-date']) {
    return { message: 'Missing Authentication Token', errorType: 'MissingAuthenticationTokenException' };
  }
  const sigV4 =
    /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/[^/\s,]+\/execute-api\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/.exec(
      authorization,
    );
  if (!sigV4) {
    return {
      message: 'Authorization header is not a SigV4 signature',
      errorType: 'IncompleteSignatureException',
    };
  }
  if (sigV4[1] !== accessKeyId) {
    return {
      message: 'The security token included in the request is invalid.',
      errorType: 'UnrecognizedClientException',
    };
  }
  return undefined;
}

/** Reads at most `maxBytes`; past that it stops collecting and answers 'too-large'. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A refused request's body is not wanted: close the connection once the answer is out. */
function drain(req: IncomingMessage, res: ServerResponse): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || req.readableEnded) return;
  res.setHeader('connection', 'close');
  res.once('finish', () => req.destroy());
}
