/**
 * Issue 9, finding 7, through the local gateway and DynamoDB Local: after repeated wrong passwords
 * from one address, its further attempts are refused at upgrade without scrypt, while the real
 * charger connects at once from another address. The gateway here runs the platform's OCPP handlers
 * over a table of its own with a password seam that counts scrypt runs (the shared platform's
 * handlers run in another process, where nothing could count them).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { type Gateway, startGateway } from '../../local/gateway.js';
import { DynamoChargerRepository } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { ManualClock } from '../../shared/adapters/memory/ocpp-store.js';
import { type PasswordHasher, scryptPasswords } from '../../shared/app/ocpp/connection.js';
import { LOGIN_BACKOFF } from '../../shared/app/ocpp/login-backoff.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import {
  createAuthorizerHandler,
  createConnectHandler,
  createDisconnectHandler,
  createMessageHandler,
} from '../../shared/lambda/ocpp-handlers.js';
import { silentLog } from '../../shared/ports/log.js';
import { aCharger, PASSWORD, PASSWORD_HASH } from '../fixtures/ocpp/builders.js';

const platform = inject('platform');
const tableName = 'login-backoff';
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const chargerId = `LGB-${Date.now().toString(36)}`;
/** Loopback addresses other than the gateway's: Linux routes all of 127/8 to lo. */
const ATTACKER = '127.0.0.3';
const CHARGER_SITE = '127.0.0.2';

let scryptRuns = 0;
const countingPasswords: PasswordHasher = {
  verify: (password, stored) => {
    scryptRuns++;
    return scryptPasswords.verify(password, stored);
  },
  hash: (password) => {
    scryptRuns++;
    return scryptPasswords.hash(password);
  },
};

let gateway: Gateway;

beforeAll(async () => {
  await ensurePlatformTable(platform.endpoints.dynamoEndpoint, tableName);
  const deps = createOcppDeps({
    tableName,
    region: 'local',
    doc,
    log: silentLog,
    heartbeatIntervalSeconds: 300,
    callTimeoutSeconds: 30,
    // Stopped: the first back-off lasts one second of wall time, which a loaded machine can spend
    // between the fifth failure and the flood; the policy's timing has unit tests of its own.
    clock: new ManualClock(),
  });
  await new DynamoChargerRepository({ doc, tableName }).createIfAbsent(
    aCharger({ chargerId, passwordHash: PASSWORD_HASH }),
  );
  gateway = await startGateway({
    port: 0,
    connectionsPort: 0,
    handlers: {
      authorizer: createAuthorizerHandler(() => ({ ...deps, passwords: countingPasswords })),
      connect: createConnectHandler(() => deps),
      disconnect: createDisconnectHandler(() => deps),
      default: createMessageHandler(() => deps),
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
});

/** Opens a socket from `localAddress` and reports the agreed subprotocol or the refusal's status. */
function open(
  password: string,
  localAddress: string,
): Promise<{ protocol: string; ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.ocppUrl}/${chargerId}`, ['ocpp1.6'], {
      localAddress,
      headers: { authorization: `Basic ${Buffer.from(`${chargerId}:${password}`).toString('base64')}` },
    });
    ws.once('open', () => resolve({ protocol: ws.protocol, ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('failed-login back-off through the gateway', () => {
  it('refuses a flooding address without scrypt; the real charger still connects from its own', async () => {
    for (let i = 0; i < LOGIN_BACKOFF.freeFailures; i++) {
      expect(await open('wrong', ATTACKER)).toEqual({ status: 403 });
    }
    expect(scryptRuns).toBe(LOGIN_BACKOFF.freeFailures);

    const flood = await Promise.all(Array.from({ length: 30 }, () => open('wrong', ATTACKER)));
    expect(flood).toEqual(Array.from({ length: 30 }, () => ({ status: 403 })));
    expect(await open(PASSWORD, ATTACKER)).toEqual({ status: 403 });
    expect(scryptRuns).toBe(LOGIN_BACKOFF.freeFailures);

    const real = await open(PASSWORD, CHARGER_SITE);
    expect(real).toMatchObject({ protocol: 'ocpp1.6' });
    expect(scryptRuns).toBe(LOGIN_BACKOFF.freeFailures + 1);
    if ('ws' in real) real.ws.close();
  });
});
