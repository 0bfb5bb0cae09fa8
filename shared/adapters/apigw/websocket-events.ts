/**
 * The API Gateway WebSocket event shapes the OCPP handlers read (@types/aws-lambda's WebSocket
 * type has neither headers nor the authorizer context), and the authorizer's context, which API
 * Gateway passes on every route of the connection as `requestContext.authorizer`.
 */
import type { OcppVersion } from '../../ocpp/versions.js';
import { isSupportedVersion } from '../../ocpp/versions.js';

export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  /** Epoch milliseconds. */
  connectedAt?: number;
  domainName: string;
  stage: string;
  apiId?: string;
  requestId?: string;
  requestTimeEpoch?: number;
  messageId?: string;
  disconnectStatusCode?: number;
  disconnectReason?: string;
  authorizer?: Record<string, unknown> | null;
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** What the authorizer hands to every route (API Gateway context values are strings, numbers or booleans). */
export interface OcppAuthorizerContext {
  chargerId: string;
  operatorId: string;
  /** The charger's registration at connect time (`active`, `pending`, `rejected`). */
  registration?: string;
  /** The subprotocol $connect answers; absent when the charger offered none we speak. */
  protocol?: OcppVersion;
  /**
   * The operator's `connectorCount` for the charger at connect: null when none is set, absent when
   * the authorizer did not say (a connection authorized before it did).
   */
  connectorCount?: number | null;
}

export function readAuthorizerContext(ctx: WebSocketRequestContext): OcppAuthorizerContext | undefined {
  const a = ctx.authorizer;
  if (!a || typeof a.chargerId !== 'string' || typeof a.operatorId !== 'string') return undefined;
  return {
    chargerId: a.chargerId,
    operatorId: a.operatorId,
    ...(typeof a.registration === 'string' ? { registration: a.registration } : {}),
    ...(isSupportedVersion(a.protocol) ? { protocol: a.protocol } : {}),
    ...connectorCountOf(a.connectorCount),
  };
}

/**
 * The authorizer sends a number, 0 for none set; read a numeric string too, since API Gateway
 * documents context values as strings, numbers or booleans without promising which comes back.
 */
function connectorCountOf(value: unknown): { connectorCount?: number | null } {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return {};
  return { connectorCount: n === 0 ? null : n };
}

/** Header lookup ignoring case (API Gateway passes headers with the client's casing). */
export function header(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
