/**
 * The gateway emulator's per-connection fairness and rate limit (issue 9, finding 6): a flooding
 * connection's backlog waits in its own queue, not in front of other chargers' messages, and a CALL
 * over the connection's token bucket gets a CALLERROR. The rate limit's clock is frozen and moved by
 * the test, so no assertion depends on how fast this machine is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Gateway, startGateway } from '../../local/gateway.js';
import { RATE_LIMIT_DESCRIPTION } from '../../local/gateway-fairness.js';

/** Frames the `$default` route received, per charger, in the order it was invoked. */
const routed = new Map<string, string[]>();
/** `$default` invocations of the flooding charger running right now, and the most ever at once. */
let floodInFlight = 0;
let floodMostInFlight = 0;
/** While set, the flooding charger's invocations wait for it: a slow backlog, held by the test. */
let floodGate: { promise: Promise<void>; open: () => void } | undefined;
let clockMs = 0;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    rateLimit: { ratePerSecond: 20, burst: 40 },
    nowMs: () => clockMs,
    handlers: {
      authorizer: async (event) => ({
        principalId: event.queryStringParameters.chargerId,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        context: { chargerId: event.queryStringParameters.chargerId },
      }),
      connect: async () => ({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'ocpp1.6' } }),
      disconnect: async () => {},
      default: async (event) => {
        const chargerId = event.requestContext.authorizer.chargerId as string;
        routed.set(chargerId, [...(routed.get(chargerId) ?? []), event.body]);
        if (chargerId.startsWith('FLOOD') && floodGate) {
          floodInFlight++;
          floodMostInFlight = Math.max(floodMostInFlight, floodInFlight);
          await floodGate.promise;
          floodInFlight--;
        }
        const frame = JSON.parse(event.body);
        return frame[0] === 2 ? { statusCode: 200, body: JSON.stringify([3, frame[1], {}]) } : undefined;
      },
    },
  });
});

afterAll(() => gateway.stop());

afterEach(() => {
  floodGate?.open();
  floodGate = undefined;
});

function connect(chargerId: string): Promise<{ ws: WebSocket; replies: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.ocppUrl}/${chargerId}`, ['ocpp1.6'], {
      headers: { Authorization: 'Basic any' },
    });
    const replies: string[] = [];
    ws.on('message', (m) => replies.push(m.toString()));
    ws.once('open', () => resolve({ ws, replies }));
    ws.once('error', reject);
  });
}

/**
 * Resolves once the gateway has read every frame sent before it on this socket: the server answers
 * a ping only after it has emitted the messages ahead of it.
 */
const gatewayHasRead = (ws: WebSocket) =>
  new Promise<void>((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });

const call = (id: string) => JSON.stringify([2, id, 'Heartbeat', {}]);

describe('per-connection fairness', () => {
  it("dispatches one message of a connection at a time, in order, and another connection's reply is not held behind it", async () => {
    clockMs += 10_000; // a full bucket for both connections
    let open = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    floodGate = { promise, open };
    floodMostInFlight = 0;
    const flood = await connect('FLOOD-1');
    const other = await connect('OTHER-1');

    const floodIds = Array.from({ length: 10 }, (_, i) => `f${i}`);
    for (const id of floodIds) flood.ws.send(call(id));
    await gatewayHasRead(flood.ws);
    // All ten frames have reached the gateway; only the first is being handled, the rest wait.
    expect(routed.get('FLOOD-1')).toEqual([call('f0')]);

    other.ws.send(call('o1'));
    await expect.poll(() => other.replies).toEqual([JSON.stringify([3, 'o1', {}])]);
    expect(flood.replies).toEqual([]);

    open();
    await expect.poll(() => flood.replies.length).toBe(floodIds.length);
    expect(routed.get('FLOOD-1')).toEqual(floodIds.map(call));
    expect(flood.replies).toEqual(floodIds.map((id) => JSON.stringify([3, id, {}])));
    expect(floodMostInFlight).toBe(1);
    flood.ws.close();
    other.ws.close();
  });
});

describe('per-connection rate limit', () => {
  it('answers CALLs over the burst with a GenericError "rate limit" CALLERROR, without invoking the route', async () => {
    clockMs += 10_000;
    const flood = await connect('FLOOD-2');
    const ids = Array.from({ length: 45 }, (_, i) => `h${i}`);
    for (const id of ids) flood.ws.send(call(id));
    await expect.poll(() => flood.replies.length).toBe(45);

    const refused = ids
      .slice(40)
      .map((id) => JSON.stringify([4, id, 'GenericError', RATE_LIMIT_DESCRIPTION, {}]));
    expect(flood.replies.filter((r) => r.startsWith('[4,'))).toEqual(refused);
    expect(flood.replies.filter((r) => r.startsWith('[3,')).sort()).toEqual(
      ids
        .slice(0, 40)
        .map((id) => JSON.stringify([3, id, {}]))
        .sort(),
    );
    expect(routed.get('FLOOD-2')).toEqual(ids.slice(0, 40).map(call));
    flood.ws.close();
  });

  it("never drops the charger's CALLRESULT or CALLERROR, refills at the sustained rate, and limits each connection apart", async () => {
    clockMs += 10_000;
    const flood = await connect('FLOOD-3');
    const other = await connect('OTHER-3');
    for (let i = 0; i < 40; i++) flood.ws.send(call(`b${i}`));
    flood.ws.send(call('over'));
    const result = JSON.stringify([3, 'platform-cmd-1', { status: 'Accepted' }]);
    const error = JSON.stringify([4, 'platform-cmd-2', 'NotSupported', '', {}]);
    flood.ws.send(result);
    flood.ws.send(error);
    await expect.poll(() => flood.replies.length).toBe(41);
    expect(flood.replies).toContain(JSON.stringify([4, 'over', 'GenericError', RATE_LIMIT_DESCRIPTION, {}]));
    await expect.poll(() => routed.get('FLOOD-3')?.slice(-2)).toEqual([result, error]);

    // Another charger has a bucket of its own.
    other.ws.send(call('o1'));
    await expect.poll(() => other.replies).toEqual([JSON.stringify([3, 'o1', {}])]);

    // 20 msg/s sustained: 100 ms later there are two tokens, and a third CALL is refused again.
    clockMs += 100;
    for (const id of ['r1', 'r2', 'r3']) flood.ws.send(call(id));
    await expect.poll(() => flood.replies.length).toBe(44);
    expect(flood.replies.slice(41).sort()).toEqual(
      [
        JSON.stringify([3, 'r1', {}]),
        JSON.stringify([3, 'r2', {}]),
        JSON.stringify([4, 'r3', 'GenericError', RATE_LIMIT_DESCRIPTION, {}]),
      ].sort(),
    );
    flood.ws.close();
    other.ws.close();
  });
});
