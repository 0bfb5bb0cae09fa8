/**
 * The handler bodies of the OCPP functions that look after a charger's link: the $connect
 * authorizer, $connect, $disconnect and the call sweeper (ocpp-handlers.ts has $default). Apart from
 * it so these functions bundle without the OCPP schemas and the frame dispatch: each imports only
 * what it runs (npm run bench:cold).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  header,
  readAuthorizerContext,
  type WebSocketEvent,
  type WebSocketResult,
} from '../adapters/apigw/websocket-events.js';
import { sweepCalls } from '../app/ocpp/call-queue.js';
import type { CommandDeps } from '../app/ocpp/commands.js';
import {
  type AuthDeps,
  authenticateCharger,
  closeConnection,
  openConnection,
} from '../app/ocpp/connection.js';
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
        // Always a number (API Gateway context values are flat): 0 means the operator set no count.
        connectorCount: decision.connectorCount ?? 0,
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

/** Scheduled every minute: times out overdue platform → charger calls and sends queued ones. */
export function createCallSweeperHandler(getDeps: GetDeps<CommandDeps>) {
  return async (): Promise<{ timedOut: number; chargers: number }> => {
    const deps = getDeps();
    const outcome = await sweepCalls(deps);
    if (outcome.timedOut > 0) deps.log.info('call sweep', outcome);
    return outcome;
  };
}
