/**
 * The OCPP Lambda handlers' bodies, at the edge: the adapter parses the API Gateway WebSocket event
 * (websocket-events.ts), the body calls one use case and shapes the API Gateway result.
 * functions/ocpp/*.ts wrap these with middy and the container's deps; tests and benchmarks build
 * them over any deps. This file has $default; the link functions' bodies are in ocpp-link-handlers.ts.
 */
import {
  readAuthorizerContext,
  type WebSocketEvent,
  type WebSocketRequestContext,
  type WebSocketResult,
} from '../adapters/apigw/websocket-events.js';
import type { ChargerSession, OcppDeps } from '../app/ocpp/deps.js';
import { handleMessage } from '../app/ocpp/handle-message.js';
import { wireErrorCode } from '../ocpp/errors.js';
import { encodeCallError, MessageType, parseFrame } from '../ocpp/frames.js';

// The link functions' handlers live apart (see there); tests and the local runtime still find them here.
export {
  createAuthorizerHandler,
  createCallSweeperHandler,
  createConnectHandler,
  createDisconnectHandler,
} from './ocpp-link-handlers.js';

type GetDeps<D> = () => D;

async function resolveSession(
  deps: OcppDeps,
  rc: WebSocketRequestContext,
): Promise<ChargerSession | undefined> {
  const auth = readAuthorizerContext(rc);
  if (auth) {
    return {
      chargerId: auth.chargerId,
      operatorId: auth.operatorId,
      connectionId: rc.connectionId,
      // $connect refuses every connection without a protocol we speak, and 1.6 is the only one yet.
      protocol: auth.protocol ?? 'ocpp1.6',
      ...(auth.registration !== undefined ? { registration: auth.registration } : {}),
      domainName: rc.domainName,
      stage: rc.stage,
    };
  }
  const conn = await deps.connections.byConnectionId(rc.connectionId);
  if (!conn) return undefined;
  return {
    chargerId: conn.chargerId,
    operatorId: conn.operatorId,
    connectionId: conn.connectionId,
    protocol: conn.protocol,
    domainName: rc.domainName,
    stage: rc.stage,
  };
}

const NO_REPLY: WebSocketResult = { statusCode: 200 };

/**
 * $default, configured with a route response: the returned body is the frame sent back. Never
 * throws (API Gateway would send the charger its own non-OCPP error frame).
 */
export function createMessageHandler(getDeps: GetDeps<OcppDeps>) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    let deps: OcppDeps | undefined;
    try {
      deps = getDeps();
      const rc = event.requestContext;
      if (event.isBase64Encoded) {
        deps.log.warn('dropping a binary frame: OCPP-J uses text frames', { connectionId: rc.connectionId });
        return NO_REPLY;
      }
      const body = event.body ?? '';
      const session = await resolveSession(deps, rc);
      if (!session) {
        deps.log.warn('message on a connection the platform does not know', {
          connectionId: rc.connectionId,
        });
        return refuseUnknownConnection(body);
      }
      const reply = await handleMessage(deps, session, body);
      return reply === undefined ? NO_REPLY : { statusCode: 200, body: reply };
    } catch (err) {
      deps?.log.error('$default failed before handling the frame', { error: String(err) });
      return NO_REPLY;
    }
  };
}

function refuseUnknownConnection(body: string): WebSocketResult {
  const parsed = parseFrame(body);
  const id =
    parsed.kind === 'frame' && parsed.frame.type === MessageType.CALL
      ? parsed.frame.messageId
      : parsed.kind === 'malformed' && parsed.answer
        ? parsed.messageId
        : undefined;
  if (id === undefined) return NO_REPLY;
  return {
    statusCode: 200,
    body: encodeCallError(id, wireErrorCode('ocpp1.6', 'SecurityError'), 'unknown connection; reconnect'),
  };
}
