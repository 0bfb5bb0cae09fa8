/**
 * The OCPP Lambda handlers' bodies, at the edge: the adapter parses the API Gateway WebSocket event
 * (websocket-events.ts), the body calls one use case and shapes the API Gateway result.
 * functions/ocpp/*.ts wrap these with middy and the container's deps; tests and benchmarks build
 * them over any deps.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  header,
  readAuthorizerContext,
  type WebSocketEvent,
  type WebSocketRequestContext,
  type WebSocketResult,
} from '../adapters/apigw/websocket-events.js';
import { type CommandDeps, sweepCalls } from '../app/ocpp/commands.js';
import {
  type AuthDeps,
  authenticateCharger,
  closeConnection,
  openConnection,
} from '../app/ocpp/connection.js';
import type { ChargerSession, OcppDeps } from '../app/ocpp/deps.js';
import { handleMessage } from '../app/ocpp/handle-message.js';
import { wireErrorCode } from '../ocpp/errors.js';
import { encodeCallError, MessageType, parseFrame } from '../ocpp/frames.js';
import { ORIGIN_VERIFY_HEADER, type OriginSecrets, originSecretMatches } from './origin-verify.js';

type GetDeps<D> = () => D;

const policy = (
  effect: 'Allow' | 'Deny',
  principalId: string,
  resource: string,
): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  },
});

/**
 * $connect REQUEST authorizer. Missing credentials: throws `Unauthorized` (API Gateway answers
 * 401); wrong ones or an unknown charger: Deny (403); else Allow with the charger's context.
 *
 * With `originSecrets` (AWS: functions/ocpp/authorizer.ts), a request must first carry one of its
 * values in the CloudFront origin header, or it is refused before anything is read or hashed: that
 * is what keeps a flood at the API's own URL from costing scrypt (origin-verify.ts).
 */
export function createAuthorizerHandler(getDeps: GetDeps<AuthDeps>, originSecrets?: OriginSecrets) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const deps = getDeps();
    const chargerId = event.queryStringParameters?.chargerId ?? undefined;
    const accepted = originSecrets ? await originSecrets() : undefined;
    if (accepted !== undefined) {
      const presented = header(event.headers, ORIGIN_VERIFY_HEADER);
      if (presented === undefined) {
        // API Gateway refuses this itself (an identity source is missing); kept for a misconfigured route.
        deps.log.warn('charger connection without the CloudFront origin header', { chargerId });
        throw new Error('Unauthorized');
      }
      if (!originSecretMatches(presented, accepted)) {
        // Never log the value: it would put a near-current secret into the logs.
        deps.log.warn('charger connection with a wrong CloudFront origin header; not through CloudFront?', {
          chargerId,
        });
        return policy('Deny', chargerId ?? 'unknown', event.methodArn);
      }
    }
    const decision = await authenticateCharger(deps, {
      chargerId,
      authorization: header(event.headers, 'authorization'),
      subprotocols: header(event.headers, 'sec-websocket-protocol'),
      // Typed as always present, but absent from hand-built events (tests); then only the id counts.
      sourceIp: event.requestContext?.identity?.sourceIp ?? undefined,
    });
    if (decision.kind === 'unauthorized') {
      deps.log.info('charger connection without credentials', { chargerId });
      throw new Error('Unauthorized');
    }
    if (decision.kind === 'deny') {
      deps.log.warn('charger connection refused', { chargerId, reason: decision.reason });
      return policy('Deny', chargerId ?? 'unknown', event.methodArn);
    }
    return {
      ...policy('Allow', decision.chargerId, event.methodArn),
      context: {
        chargerId: decision.chargerId,
        operatorId: decision.operatorId,
        registration: decision.registration,
        ...(decision.protocol ? { protocol: decision.protocol } : {}),
      },
    };
  };
}

/** $connect: refuses chargers that offer no subprotocol we speak; records the connection. */
export function createConnectHandler(getDeps: GetDeps<CommandDeps>) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const deps = getDeps();
    const rc = event.requestContext;
    const auth = readAuthorizerContext(rc);
    if (!auth) {
      deps.log.error('$connect without the authorizer context; is the authorizer configured?', {
        connectionId: rc.connectionId,
      });
      return { statusCode: 403, body: 'Forbidden' };
    }
    const decision = await openConnection(deps, {
      connectionId: rc.connectionId,
      chargerId: auth.chargerId,
      operatorId: auth.operatorId,
      connectedAt: rc.connectedAt ?? rc.requestTimeEpoch ?? Date.now(),
      domainName: rc.domainName,
      stage: rc.stage,
      subprotocols: header(event.headers, 'sec-websocket-protocol'),
    });
    if (decision.kind === 'refused') {
      deps.log.warn('charger connection refused', { chargerId: auth.chargerId, reason: decision.reason });
      return { statusCode: 400, body: 'No supported OCPP subprotocol (we speak ocpp1.6)' };
    }
    return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': decision.protocol } };
  };
}

/**
 * $disconnect (best effort): forgets the connection unless a newer one replaced it, and fails the
 * call outstanding on it.
 */
export function createDisconnectHandler(getDeps: GetDeps<CommandDeps>) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const deps = getDeps();
    const rc = event.requestContext;
    try {
      const outcome = await closeConnection(deps, {
        chargerId: readAuthorizerContext(rc)?.chargerId,
        connectionId: rc.connectionId,
      });
      deps.log.info('charger disconnected', { connectionId: rc.connectionId, outcome });
    } catch (err) {
      deps.log.error('could not record a disconnect', { connectionId: rc.connectionId, error: String(err) });
    }
    return { statusCode: 200 };
  };
}

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

/** Scheduled every minute: times out overdue platform → charger calls and sends queued ones. */
export function createCallSweeperHandler(getDeps: GetDeps<OcppDeps>) {
  return async (): Promise<{ timedOut: number; chargers: number }> => {
    const deps = getDeps();
    const outcome = await sweepCalls(deps);
    if (outcome.timedOut > 0) deps.log.info('call sweep', outcome);
    return outcome;
  };
}
