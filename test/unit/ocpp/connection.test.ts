import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WebSocketEvent } from '../../../shared/adapters/apigw/websocket-events.js';
import { parseBasicAuth } from '../../../shared/app/ocpp/connection.js';
import {
  createAuthorizerHandler,
  createConnectHandler,
  createDisconnectHandler,
  createMessageHandler,
} from '../../../shared/lambda/ocpp-handlers.js';
import {
  aCharger,
  anOperator,
  CHARGER_ID,
  OPERATOR_ID,
  PASSWORD,
  PASSWORD_HASH,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

let m: MemoryOcpp;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function authorizerEvent(over: {
  chargerId?: string;
  authorization?: string;
  protocol?: string;
}): APIGatewayRequestAuthorizerEvent {
  const headers: Record<string, string> = {};
  if (over.authorization) headers.Authorization = over.authorization;
  if (over.protocol) headers['Sec-WebSocket-Protocol'] = over.protocol;
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-2:123456789012:api/prod/$connect',
    resource: '$connect',
    path: '/',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: over.chargerId === undefined ? null : { chargerId: over.chargerId },
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

function wsEvent(
  routeKey: string,
  connectionId: string,
  extra: {
    authorizer?: Record<string, unknown> | null;
    protocol?: string;
    body?: string;
    connectedAt?: number;
  } = {},
): WebSocketEvent {
  return {
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      connectionId,
      connectedAt: extra.connectedAt ?? 1_000,
      domainName: 'abc.execute-api.eu-west-2.amazonaws.com',
      stage: 'prod',
      authorizer:
        extra.authorizer === undefined
          ? { chargerId: CHARGER_ID, operatorId: OPERATOR_ID, registration: 'active' }
          : extra.authorizer,
    },
    headers: extra.protocol ? { 'Sec-WebSocket-Protocol': extra.protocol } : {},
    ...(extra.body !== undefined ? { body: extra.body } : {}),
    isBase64Encoded: false,
  };
}

beforeEach(() => {
  m = createMemoryOcppDeps();
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger({ passwordHash: PASSWORD_HASH }));
});

describe('authorizer', () => {
  const authorize = createAuthorizerHandler(() => m.deps);

  it('allows the right password with the charger context', async () => {
    const result = await authorize(
      authorizerEvent({
        chargerId: CHARGER_ID,
        authorization: basic(CHARGER_ID, PASSWORD),
        protocol: 'ocpp1.6',
      }),
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.context).toEqual({
      chargerId: CHARGER_ID,
      operatorId: OPERATOR_ID,
      registration: 'active',
      connectorCount: 0,
      protocol: 'ocpp1.6',
    });
  });

  it("passes the operator's connector count on, so messages need not read the charger for it", async () => {
    m.store.putCharger(aCharger({ passwordHash: PASSWORD_HASH, connectorCount: 3 }));
    const result = await authorize(
      authorizerEvent({
        chargerId: CHARGER_ID,
        authorization: basic(CHARGER_ID, PASSWORD),
        protocol: 'ocpp1.6',
      }),
    );
    expect(result.context).toMatchObject({ chargerId: CHARGER_ID, connectorCount: 3 });
  });

  it.each([
    ['a wrong password', CHARGER_ID, basic(CHARGER_ID, 'wrong')],
    ['an unknown charger', 'CP-UNKNOWN', basic('CP-UNKNOWN', PASSWORD)],
    ['a username that is not the charger id', CHARGER_ID, basic('someone', PASSWORD)],
    ['an id with a key separator', 'CP#1', basic('CP#1', PASSWORD)],
  ])('denies %s', async (_, chargerId, authorization) => {
    const result = await authorize(authorizerEvent({ chargerId, authorization }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(result.context).toBeUndefined();
  });

  it('denies a charger without a stored password', async () => {
    m.store.putCharger(aCharger());
    const result = await authorize(
      authorizerEvent({ chargerId: CHARGER_ID, authorization: basic(CHARGER_ID, PASSWORD) }),
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it.each([
    ['no Authorization header', undefined],
    ['a bearer token', 'Bearer abc'],
    ['basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`],
  ])('throws Unauthorized (401) for %s', async (_, authorization) => {
    await expect(
      authorize(authorizerEvent({ chargerId: CHARGER_ID, ...(authorization ? { authorization } : {}) })),
    ).rejects.toThrow('Unauthorized');
  });

  describe('pending registration of unknown chargers', () => {
    it('registers an unknown charger under a claimed prefix as pending, trusting its first password', async () => {
      m.store.putOperator(anOperator({ allowPendingChargers: true }));
      m.store.putPrefix({ prefix: 'ACME-', operatorId: OPERATOR_ID });
      const result = await authorize(
        authorizerEvent({ chargerId: 'ACME-77', authorization: basic('ACME-77', 'first-pw') }),
      );
      expect(result.context).toMatchObject({
        chargerId: 'ACME-77',
        operatorId: OPERATOR_ID,
        registration: 'pending',
      });
      expect(m.store.chargers.get('ACME-77')).toMatchObject({
        registration: 'pending',
        operatorId: OPERATOR_ID,
      });
      // later connections must present the same password
      const again = await authorize(
        authorizerEvent({ chargerId: 'ACME-77', authorization: basic('ACME-77', 'other-pw') }),
      );
      expect(again.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    });

    it('refuses when the operator does not allow pending chargers', async () => {
      m.store.putPrefix({ prefix: 'ACME-', operatorId: OPERATOR_ID });
      const result = await authorize(
        authorizerEvent({ chargerId: 'ACME-78', authorization: basic('ACME-78', 'pw') }),
      );
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
      expect(m.store.chargers.has('ACME-78')).toBe(false);
    });

    it('does not register a pending charger whose id a URL or Basic auth would mangle', async () => {
      m.store.putOperator(anOperator({ allowPendingChargers: true }));
      m.store.putPrefix({ prefix: 'ACME-', operatorId: OPERATOR_ID });
      const result = await authorize(
        authorizerEvent({ chargerId: 'ACME-7|7', authorization: basic('ACME-7|7', 'pw') }),
      );
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
      expect(m.store.chargers.has('ACME-7|7')).toBe(false);
    });

    it('the pending charger boots Pending', async () => {
      m.store.putOperator(anOperator({ allowPendingChargers: true }));
      m.store.putPrefix({ prefix: 'ACME-', operatorId: OPERATOR_ID });
      const result = await authorize(
        authorizerEvent({ chargerId: 'ACME-79', authorization: basic('ACME-79', 'pw') }),
      );
      const message = createMessageHandler(() => m.deps);
      const reply = await message(
        wsEvent('$default', 'c9', {
          authorizer: result.context as Record<string, unknown>,
          body: JSON.stringify([
            2,
            'b1',
            'BootNotification',
            { chargePointVendor: 'A', chargePointModel: 'B' },
          ]),
        }),
      );
      expect(JSON.parse(reply.body ?? '')).toMatchObject([3, 'b1', { status: 'Pending' }]);
    });
  });

  it('parses basic credentials with a colon in the password', () => {
    expect(parseBasicAuth(basic('a', 'b:c'))).toEqual({ username: 'a', password: 'b:c' });
    expect(parseBasicAuth('basic !!!')).toBeUndefined();
  });
});

describe('$connect and $disconnect', () => {
  const connect = createConnectHandler(() => m.deps);
  const disconnect = createDisconnectHandler(() => m.deps);

  it('answers the subprotocol and records the connection both ways', async () => {
    const result = await connect(wsEvent('$connect', 'c1', { protocol: 'ocpp2.0.1, ocpp1.6' }));
    expect(result).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'ocpp1.6' } });
    expect(await m.deps.connections.current(CHARGER_ID)).toMatchObject({
      connectionId: 'c1',
      protocol: 'ocpp1.6',
    });
    expect(await m.deps.connections.byConnectionId('c1')).toMatchObject({ chargerId: CHARGER_ID });
  });

  it.each([
    ['no subprotocol', undefined],
    ['only protocols we do not speak', 'ocpp2.0.1, ocpp1.5'],
  ])('refuses %s with 400 and records nothing', async (_, protocol) => {
    const result = await connect(wsEvent('$connect', 'c1', protocol ? { protocol } : {}));
    expect(result.statusCode).toBe(400);
    expect(await m.deps.connections.current(CHARGER_ID)).toBeUndefined();
  });

  it('refuses a $connect that carries no authorizer context', async () => {
    expect(
      (await connect(wsEvent('$connect', 'c1', { protocol: 'ocpp1.6', authorizer: null }))).statusCode,
    ).toBe(403);
  });

  it('a late $disconnect of an old connection never erases the newer one', async () => {
    await connect(wsEvent('$connect', 'old', { protocol: 'ocpp1.6', connectedAt: 1_000 }));
    await connect(wsEvent('$connect', 'new', { protocol: 'ocpp1.6', connectedAt: 2_000 }));
    await disconnect(wsEvent('$disconnect', 'old'));
    expect((await m.deps.connections.current(CHARGER_ID))?.connectionId).toBe('new');
    await disconnect(wsEvent('$disconnect', 'new'));
    expect(await m.deps.connections.current(CHARGER_ID)).toBeUndefined();
  });

  it('a late $connect of an older connection does not replace the newer one', async () => {
    await connect(wsEvent('$connect', 'new', { protocol: 'ocpp1.6', connectedAt: 2_000 }));
    await connect(wsEvent('$connect', 'old', { protocol: 'ocpp1.6', connectedAt: 1_000 }));
    expect((await m.deps.connections.current(CHARGER_ID))?.connectionId).toBe('new');
    // ...and closes nothing: the newer connection is the one that stays.
    expect(m.gateway.disconnected).toEqual([]);
  });

  it('the newest connection wins: a charger connecting again has its old socket closed', async () => {
    await connect(wsEvent('$connect', 'first', { protocol: 'ocpp1.6', connectedAt: 1_000 }));
    await connect(wsEvent('$connect', 'second', { protocol: 'ocpp1.6', connectedAt: 2_000 }));
    expect(m.gateway.disconnected).toEqual(['first']);
    expect((await m.deps.connections.current(CHARGER_ID))?.connectionId).toBe('second');
    // A command for the charger now goes to the new socket only.
    expect(await m.gateway.send({ connectionId: 'first' }, 'late')).toBe('gone');
  });

  it('a superseded connection that is already gone does not fail the new $connect', async () => {
    await connect(wsEvent('$connect', 'first', { protocol: 'ocpp1.6', connectedAt: 1_000 }));
    m.gateway.gone.add('first');
    const result = await connect(wsEvent('$connect', 'second', { protocol: 'ocpp1.6', connectedAt: 2_000 }));
    expect(result.statusCode).toBe(200);
    expect(m.gateway.disconnected).toEqual([]);
  });

  it('$disconnect without the authorizer context finds the charger by connection id', async () => {
    await connect(wsEvent('$connect', 'c1', { protocol: 'ocpp1.6' }));
    expect(await disconnect(wsEvent('$disconnect', 'c1', { authorizer: null }))).toEqual({ statusCode: 200 });
    expect(await m.deps.connections.current(CHARGER_ID)).toBeUndefined();
  });
});

describe('$default', () => {
  const message = createMessageHandler(() => m.deps);
  const connect = createConnectHandler(() => m.deps);

  it('returns the reply frame as the body', async () => {
    const reply = await message(wsEvent('$default', 'c1', { body: '[2,"h1","Heartbeat",{}]' }));
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body ?? '')).toEqual([3, 'h1', { currentTime: expect.any(String) }]);
  });

  it('falls back to the connection record without an authorizer context', async () => {
    await connect(wsEvent('$connect', 'c1', { protocol: 'ocpp1.6' }));
    const reply = await message(
      wsEvent('$default', 'c1', { authorizer: null, body: '[2,"h1","Heartbeat",{}]' }),
    );
    expect(JSON.parse(reply.body ?? '')[0]).toBe(3);
  });

  it('answers SecurityError on a connection nobody knows', async () => {
    const reply = await message(
      wsEvent('$default', 'zz', { authorizer: null, body: '[2,"h1","Heartbeat",{}]' }),
    );
    expect(JSON.parse(reply.body ?? '').slice(0, 3)).toEqual([4, 'h1', 'SecurityError']);
  });

  it('sends nothing back for a CALLRESULT or a binary frame', async () => {
    expect(await message(wsEvent('$default', 'c1', { body: '[3,"x",{}]' }))).toEqual({ statusCode: 200 });
    const binary = { ...wsEvent('$default', 'c1', { body: 'AAEC' }), isBase64Encoded: true };
    expect(await message(binary)).toEqual({ statusCode: 200 });
  });

  it('never throws, even when the deps cannot be built', async () => {
    const broken = createMessageHandler(() => {
      throw new Error('bad config');
    });
    expect(await broken(wsEvent('$default', 'c1', { body: '[2,"h1","Heartbeat",{}]' }))).toEqual({
      statusCode: 200,
    });
  });
});
