/**
 * The event shapes API Gateway's WebSocket API hands to its Lambda integrations: the REQUEST
 * authorizer, `$connect`, `$default` and `$disconnect`. Pure builders (apart from fresh request
 * ids and the request time), so the gateway emulator (gateway.ts) only decides when to call what.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const API_ID = 'localapi';

/** Where the API is served; `domainName` becomes known once the server listens. */
export interface ApiSite {
  stage: string;
  domainName: string;
}

/** What API Gateway knows about a connection from its upgrade request on. */
export interface ConnectionIdentity {
  id: string;
  /** Epoch milliseconds, as API Gateway's `connectedAt`. */
  connectedAt: number;
  sourceIp: string;
  userAgent: string;
}

/** The `$connect` request both the authorizer and the `$connect` route are invoked with. */
export interface ConnectRequest {
  headers: Record<string, string>;
  query: Record<string, string>;
  requestContext: ReturnType<typeof requestContext> & { routeKey: '$connect'; eventType: 'CONNECT' };
}

export type AuthorizerContext = Record<string, unknown> | undefined;

/** The requestContext fields every route's event carries. */
export function requestContext(site: ApiSite, conn: ConnectionIdentity, nowMs = Date.now()) {
  return {
    stage: site.stage,
    domainName: site.domainName,
    apiId: API_ID,
    connectionId: conn.id,
    connectedAt: conn.connectedAt,
    requestId: randomUUID(),
    extendedRequestId: randomUUID(),
    requestTime: new Date(nowMs).toUTCString(),
    requestTimeEpoch: nowMs,
    messageDirection: 'IN',
    identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
  };
}

/** One request context for the upgrade, so the authorizer and `$connect` share its requestId. */
export function connectRequest(
  site: ApiSite,
  conn: ConnectionIdentity,
  headers: Record<string, string>,
  query: Record<string, string>,
): ConnectRequest {
  return {
    headers,
    query,
    requestContext: { ...requestContext(site, conn), routeKey: '$connect', eventType: 'CONNECT' },
  };
}

/** Headers and query string as API Gateway repeats them in single- and multi-value form. */
function upgradeParameters(req: ConnectRequest) {
  const hasQuery = Object.keys(req.query).length > 0;
  return {
    headers: req.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery ? req.query : undefined,
    multiValueQueryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, [v]]))
      : undefined,
    stageVariables: undefined,
    isBase64Encoded: false,
  };
}

export function authorizerEvent(site: ApiSite, req: ConnectRequest) {
  return {
    ...upgradeParameters(req),
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:local:000000000000:${API_ID}/${site.stage}/$connect`,
    requestContext: req.requestContext,
  };
}

export function connectEvent(req: ConnectRequest, authorizer: AuthorizerContext) {
  return { ...upgradeParameters(req), requestContext: { ...req.requestContext, authorizer } };
}

export function messageEvent(
  site: ApiSite,
  conn: ConnectionIdentity,
  body: string,
  isBase64Encoded: boolean,
  authorizer: AuthorizerContext,
) {
  return {
    body,
    isBase64Encoded,
    requestContext: {
      ...requestContext(site, conn),
      routeKey: '$default',
      eventType: 'MESSAGE',
      messageId: randomBytes(8).toString('base64url'),
      authorizer,
    },
  };
}

export function disconnectEvent(
  site: ApiSite,
  conn: ConnectionIdentity,
  headers: Record<string, string>,
  close: { code: number; reason: string },
  authorizer: AuthorizerContext,
) {
  return {
    headers,
    isBase64Encoded: false,
    requestContext: {
      ...requestContext(site, conn),
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: close.code,
      disconnectReason: close.reason,
      authorizer,
    },
  };
}

/** API Gateway passes headers with the case the client sent; repeated headers are joined with ','. */
export function rawHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

/**
 * A connection id shaped like API Gateway's: 16 characters of base64 ending in one '=', e.g.
 * "L0SM9cOFvHcCIhw=" (11 random bytes).
 */
export function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}
