/**
 * The WebSocket gateway emulator as API Gateway's stand-in: the event shapes the handlers get, what
 * it does with their answers, the @connections API through the real ApiGatewayManagementApiClient,
 * and the message size and idle limits.
 */

import { request } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Gateway, MAX_MESSAGE_BYTES, startGateway } from '../../local/gateway.js';

// biome-ignore lint/suspicious/noExplicitAny: the test records raw event objects as handlers receive them.
const events: { route: string; event: any }[] = [];
/** The gateway's own log lines, to check what a refusal leaves behind. */
const logLines: string[] = [];
let gateway: Gateway;
let management: ApiGatewayManagementApiClient;

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    idleTimeoutMs: 1500,
    log: (line) => logLines.push(line),
    handlers: {
      authorizer: async (event) => {
        events.push({ route: 'authorizer', event });
        const ok = event.headers.Authorization === 'Basic good';
        return {
          principalId: event.queryStringParameters.chargerId,
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'execute-api:Invoke', Effect: ok ? 'Allow' : 'Deny', Resource: event.methodArn },
            ],
          },
          context: { chargerId: event.queryStringParameters.chargerId },
        };
      },
      connect: async (event) => {
        events.push({ route: '$connect', event });
        if (event.queryStringParameters.chargerId === 'NO-PROTOCOL') return { statusCode: 400 };
        return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'ocpp1.6' } };
      },
      disconnect: async (event) => {
        events.push({ route: '$disconnect', event });
      },
      default: async (event) => {
        events.push({ route: '$default', event });
        return { statusCode: 200, body: `echo:${event.body}` };
      },
    },
  });
  management = new ApiGatewayManagementApiClient({
    endpoint: gateway.connectionsUrl,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  management.destroy();
  await gateway.stop();
});

function connect(path: string, authorization?: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.ocppUrl}/${path}`, ['ocpp1.6'], {
      headers: authorization ? { Authorization: authorization } : {},
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

const nextMessage = (ws: WebSocket) =>
  new Promise<string>((resolve) => ws.once('message', (m) => resolve(m.toString())));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('upgrade', () => {
  it('answers 401 without the identity source, 403 on a Deny, and the $connect status otherwise', async () => {
    expect(await connect('CP1')).toBe(401);
    expect(await connect('CP1', 'Basic bad')).toBe(403);
    expect(await connect('NO-PROTOCOL', 'Basic good')).toBe(400);
  });

  it('answers 400 to a charger id that is not valid percent-encoding, without invoking a route or logging a stack', async () => {
    events.length = 0;
    logLines.length = 0;
    expect(await connect('%ZZ', 'Basic good')).toBe(400);
    expect(await connect('ok%E0%A4%A', 'Basic good')).toBe(400);
    expect(events).toEqual([]);
    expect(logLines.join('\n')).not.toMatch(/URIError|\n\s+at /);
  });

  it('builds the authorizer and $connect events as API Gateway does', async () => {
    events.length = 0;
    const ws = (await connect('CP%201', 'Basic good')) as WebSocket;
    expect(ws.protocol).toBe('ocpp1.6');
    const auth = events.find((e) => e.route === 'authorizer')!.event;
    expect(auth).toMatchObject({
      type: 'REQUEST',
      queryStringParameters: { chargerId: 'CP 1' },
      headers: { Authorization: 'Basic good', 'Sec-WebSocket-Protocol': 'ocpp1.6' },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'ocpp' },
    });
    expect(auth.methodArn).toMatch(/\/ocpp\/\$connect$/);
    const conn = events.find((e) => e.route === '$connect')!.event;
    expect(conn.requestContext.authorizer).toMatchObject({ chargerId: 'CP 1', principalId: 'CP 1' });
    // API Gateway's shape: 16 characters of base64 ending in one '=' (e.g. "L0SM9cOFvHcCIhw=").
    expect(conn.requestContext.connectionId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    // The authorizer and $connect are one request.
    expect(conn.requestContext.requestId).toBe(auth.requestContext.requestId);
    ws.close(1000, 'bye');
    await closed(ws);
    await expect
      .poll(() => events.find((e) => e.route === '$disconnect')?.event.requestContext)
      .toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        connectionId: conn.requestContext.connectionId,
        disconnectStatusCode: 1000,
        disconnectReason: 'bye',
        authorizer: { chargerId: 'CP 1' },
      });
  });
});

describe('messages and @connections', () => {
  it('sends the $default route response back and passes the authorizer context on', async () => {
    events.length = 0;
    const ws = (await connect('CP2', 'Basic good')) as WebSocket;
    const reply = nextMessage(ws);
    ws.send('[2,"1","Heartbeat",{}]');
    expect(await reply).toBe('echo:[2,"1","Heartbeat",{}]');
    const message = events.find((e) => e.route === '$default')!.event;
    expect(message.requestContext).toMatchObject({
      routeKey: '$default',
      eventType: 'MESSAGE',
      authorizer: { chargerId: 'CP2' },
    });
    ws.close();
    await closed(ws);
  });

  it('posts, reads and deletes a connection through the real management client', async () => {
    events.length = 0;
    const ws = (await connect('CP3', 'Basic good')) as WebSocket;
    const connectionId = events.find((e) => e.route === '$connect')!.event.requestContext
      .connectionId as string;

    const received = nextMessage(ws);
    await management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: '[2,"x","Reset",{"type":"Soft"}]' }),
    );
    expect(await received).toBe('[2,"x","Reset",{"type":"Soft"}]');

    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);

    const gone = closed(ws);
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await gone;
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect.poll(() => events.some((e) => e.route === '$disconnect')).toBe(true);
  });
});

/** The connection id of the latest `$connect` seen. */
const lastConnectionId = () =>
  events.findLast((e) => e.route === '$connect')!.event.requestContext.connectionId as string;

describe('@connections is not reachable by chargers or unsigned clients', () => {
  it('serves @connections on a loopback port of its own; the charger port answers only upgrades', async () => {
    const connections = new URL(gateway.connectionsUrl);
    expect(connections.hostname).toBe('127.0.0.1');
    expect(Number(connections.port)).not.toBe(gateway.port);

    const ws = (await connect('CP-PORT', 'Basic good')) as WebSocket;
    const id = lastConnectionId();
    const received: string[] = [];
    ws.on('message', (m) => received.push(m.toString()));
    const onChargerPort = await fetch(
      `http://127.0.0.1:${gateway.port}/ocpp/@connections/${encodeURIComponent(id)}`,
      { method: 'POST', body: '[2,"evil","Reset",{"type":"Hard"}]' },
    );
    expect(onChargerPort.status).toBe(426);
    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'signed' }));
    await expect.poll(() => received).toEqual(['signed']);
    ws.close();
    await closed(ws);
  });

  it('refuses unsigned requests and requests signed with other credentials with 403', async () => {
    const ws = (await connect('CP-SIG', 'Basic good')) as WebSocket;
    const id = lastConnectionId();
    const received: string[] = [];
    ws.on('message', (m) => received.push(m.toString()));
    const url = `${gateway.connectionsUrl}/@connections/${encodeURIComponent(id)}`;

    const unsigned = await fetch(url, { method: 'POST', body: 'unsigned' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const forged = await fetch(url, {
      method: 'DELETE',
      headers: { authorization: 'AWS4-HMAC-SHA256 anything', 'x-amz-date': '20261130T000000Z' },
    });
    expect(forged.status).toBe(403);
    const stranger = new ApiGatewayManagementApiClient({
      endpoint: gateway.connectionsUrl,
      region: 'local',
      credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' },
    });
    await expect(stranger.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    stranger.destroy();

    // Nothing reached the charger and it is still connected.
    expect(received).toEqual([]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    await closed(ws);
  });

  it('answers 413 to a body over one message, without reading the rest of it', async () => {
    const ws = (await connect('CP-BIG', 'Basic good')) as WebSocket;
    const id = lastConnectionId();
    await expect(
      management.send(
        new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }),
      ),
    ).rejects.toMatchObject({ name: 'PayloadTooLargeException', $metadata: { httpStatusCode: 413 } });

    // A client announcing 200 MB gets its answer after the first megabyte, not after 200.
    const url = new URL(`${gateway.connectionsUrl}/@connections/${encodeURIComponent(id)}`);
    const status = await new Promise<number | 'no answer'>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: {
          'content-length': String(200 * 1024 * 1024),
          'x-amz-date': '20261130T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=local/20261130/local/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
      );
      req.write(Buffer.alloc(1024 * 1024, 'x'));
      setTimeout(() => {
        resolve('no answer');
        req.destroy();
      }, 3000).unref();
    });
    expect(status).toBe(413);
    ws.close();
    await closed(ws);
  });
});

describe('one connection per charger', () => {
  it('closes the older connection with 1000 when the same charger connects again, and serves only the newest', async () => {
    events.length = 0;
    const first = (await connect('CP-TWICE', 'Basic good')) as WebSocket;
    const firstClosed = closed(first);
    const second = (await connect('CP-TWICE', 'Basic good')) as WebSocket;
    expect(await firstClosed).toBe(1000);
    const [firstId, secondId] = events
      .filter((e) => e.route === '$connect')
      .map((e) => e.event.requestContext.connectionId as string);

    // The old id is gone for the platform's commands; the new one is served.
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: firstId, Data: 'late' })),
    ).rejects.toBeInstanceOf(GoneException);
    const reply = nextMessage(second);
    second.send('[2,"n","Heartbeat",{}]');
    expect(await reply).toBe('echo:[2,"n","Heartbeat",{}]');
    const served = events
      .filter((e) => e.route === '$default')
      .map((e) => e.event.requestContext.connectionId);
    expect(served).toEqual([secondId]);
    await expect
      .poll(() => events.find((e) => e.route === '$disconnect')?.event.requestContext.connectionId)
      .toBe(firstId);
    second.close();
    await closed(second);
  });
});

describe('limits', () => {
  it('closes a connection that sends a message over 128 KB with 1009', async () => {
    const ws = (await connect('CP4', 'Basic good')) as WebSocket;
    const code = closed(ws);
    ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await code).toBe(1009);
  });

  it('closes an idle connection', async () => {
    const ws = (await connect('CP5', 'Basic good')) as WebSocket;
    expect(await closed(ws)).toBe(1001);
  });
});
