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
      ...(auth.connectorCount !== undefined ? { connectorCount: auth.connectorCount } : {}),
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

/** No frame back: the `body` key is absent, not empty (see `ReplyRoute`). */
const NO_REPLY: WebSocketResult = { statusCode: 200 };

/**
 * How the reply frame reaches the charger.
 *
 * - `postToConnection` (AWS: functions/ocpp/message.ts, with `$default` a one-way route): the
 *   handler sends the frame itself through `@connections` and returns no body. A charger's
 *   CALLRESULT or CALLERROR, which has no reply, then produces no frame at all.
 * - `routeResponse` (a two-way route; the handler's tests and benchmarks read the frame here): the
 *   frame is the returned `body`.
 *
 * Why not two-way in AWS: API Gateway documents that a two-way route passes the backend's output
 * through as the message (developerguide apigateway-websocket-api-route-response.html,
 * apigateway-websocket-api-integration-responses.html) but not what an absent body does, and a
 * user reports an empty message reaching the client for `statusCode: 200` with `body` undefined
 * (github.com/serverless/serverless/issues/6816, 2021-04-23). An empty text frame is not an
 * OCPP-J message; a strict charger may count it as a protocol error. A one-way route sends nothing
 * on success whatever the handler returns ("it only sends a message to the client when API Gateway
 * couldn't process the incoming message"), so the charger gets exactly the frames we post.
 * Cost: one billed outbound message per reply either way, and none for CALLRESULTs, where the
 * two-way route would bill an empty frame if the report holds; the price is one `@connections`
 * request inside the invocation.
 */
export type ReplyRoute = 'postToConnection' | 'routeResponse';

/**
 * $default. Never throws (API Gateway would send the charger its own non-OCPP error frame).
 */
export function createMessageHandler(getDeps: GetDeps<OcppDeps>, replyRoute: ReplyRoute = 'routeResponse') {
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
      const reply = session ? await handleMessage(deps, session, body) : refuseUnknownConnection(body);
      if (!session) {
        deps.log.warn('message on a connection the platform does not know', {
          connectionId: rc.connectionId,
        });
      }
      if (reply === undefined) return NO_REPLY;
      if (replyRoute === 'routeResponse') return { statusCode: 200, body: reply };
      const target = { connectionId: rc.connectionId, domainName: rc.domainName, stage: rc.stage };
      if ((await deps.gateway.send(target, reply)) === 'gone') {
        deps.log.info('charger left before its reply was sent', { connectionId: rc.connectionId });
      }
      return NO_REPLY;
    } catch (err) {
      // A failed post is answered like a failed store: no reply, so the charger's call times out
      // and it retries (we acknowledge only what is stored, and handling a retry is idempotent).
      deps?.log.error('$default failed before its reply went out', { error: String(err) });
      return NO_REPLY;
    }
  };
}

function refuseUnknownConnection(body: string): string | undefined {
  const parsed = parseFrame(body);
  const id =
    parsed.kind === 'frame' && parsed.frame.type === MessageType.CALL
      ? parsed.frame.messageId
      : parsed.kind === 'malformed' && parsed.answer
        ? parsed.messageId
        : undefined;
  if (id === undefined) return undefined;
  return encodeCallError(id, wireErrorCode('ocpp1.6', 'SecurityError'), 'unknown connection; reconnect');
}
