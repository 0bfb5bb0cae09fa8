/**
 * `$default` as deployed: a one-way route whose handler posts its reply through `@connections` and
 * returns no body, so no frame but the ones it posts can reach the charger (`ReplyRoute`).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { WebSocketEvent } from '../../../shared/adapters/apigw/websocket-events.js';
import { createMessageHandler } from '../../../shared/lambda/ocpp-handlers.js';
import {
  aCharger,
  anOperator,
  CHARGER_ID,
  OPERATOR_ID,
  PASSWORD_HASH,
} from '../../fixtures/ocpp/builders.js';
import { createMemoryOcppDeps, type MemoryOcpp } from '../../fixtures/ocpp/memory-ocpp-deps.js';

let m: MemoryOcpp;

function frame(body: string, authorized = true): WebSocketEvent {
  return {
    requestContext: {
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: 'c1',
      domainName: 'abc.execute-api.eu-west-2.amazonaws.com',
      stage: 'ocpp',
      authorizer: authorized
        ? { chargerId: CHARGER_ID, operatorId: OPERATOR_ID, registration: 'active' }
        : null,
    },
    headers: {},
    body,
    isBase64Encoded: false,
  };
}

beforeEach(() => {
  m = createMemoryOcppDeps();
  m.store.putOperator(anOperator());
  m.store.putCharger(aCharger({ passwordHash: PASSWORD_HASH }));
});

describe('$default, one-way, replying through @connections', () => {
  const message = createMessageHandler(() => m.deps, 'postToConnection');

  it('posts the reply to the connection the CALL came on and returns no body key at all', async () => {
    const result = await message(frame('[2,"h1","Heartbeat",{}]'));
    expect(result).toEqual({ statusCode: 200 });
    expect('body' in result).toBe(false);
    expect(m.gateway.framesTo('c1')).toEqual([[3, 'h1', { currentTime: expect.any(String) }]]);
  });

  it("sends nothing for a charger's CALLRESULT (no reply is due): no post and no body", async () => {
    const result = await message(frame('[3,"platform-call-1",{}]'));
    expect(result).toEqual({ statusCode: 200 });
    expect(m.gateway.sent).toEqual([]);
  });

  it('posts the CALLERROR that refuses a frame on an unknown connection', async () => {
    const result = await message(frame('[2,"x1","Heartbeat",{}]', false));
    expect(result).toEqual({ statusCode: 200 });
    expect(m.gateway.framesTo('c1')).toEqual([
      [4, 'x1', 'SecurityError', 'unknown connection; reconnect', {}],
    ]);
  });

  it('answers without throwing when the charger left before its reply', async () => {
    m.gateway.gone.add('c1');
    expect(await message(frame('[2,"h2","Heartbeat",{}]'))).toEqual({ statusCode: 200 });
    expect(m.gateway.sent).toEqual([]);
  });

  it('answers without throwing when the post fails, so the charger times out and retries', async () => {
    m.deps.gateway = {
      send: async () => {
        throw new Error('ECONNRESET');
      },
      disconnect: async () => 'gone',
    };
    expect(await message(frame('[2,"h3","Heartbeat",{}]'))).toEqual({ statusCode: 200 });
  });
});

describe('$default, two-way (the reply as the body)', () => {
  const message = createMessageHandler(() => m.deps);

  it('returns the reply frame and posts nothing', async () => {
    const result = await message(frame('[2,"h1","Heartbeat",{}]'));
    expect(JSON.parse(result.body ?? '')).toEqual([3, 'h1', { currentTime: expect.any(String) }]);
    expect(m.gateway.sent).toEqual([]);
  });

  it("returns no body key for a charger's CALLRESULT", async () => {
    const result = await message(frame('[3,"platform-call-1",{}]'));
    expect(result).toEqual({ statusCode: 200 });
  });
});
