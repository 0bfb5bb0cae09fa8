/**
 * Platform → charger calls through the embedded platform and a strict simulated charger (ocpp-rpc in
 * strict mode, every frame checked against the official 1.6 schemas), issue 10:
 * - defect 3: a call outstanding on a connection that closes or is superseded fails at once, and the
 *   charger's next command goes out on its new connection;
 * - defect 4: a command queued behind an unanswered one is sent once that one times out, with a
 *   deadline of its own counted from when it was sent;
 * - defect 6: nothing but configuration and trigger calls reaches a Pending charger, nothing at all a
 *   Rejected one; the operator API answers 409.
 * Each test registers chargers of its own under the demo operator (whose API key the seed knows).
 */
import { randomUUID } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { DEMO } from '../../local/seed.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { DynamoChargerRepository } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import {
  awaitCommandResult,
  type CommandHandle,
  getConfiguration,
  reset,
  sendCommand,
} from '../../shared/app/ocpp/index.js';
import type { ChargerRegistration } from '../../shared/domain/entities.js';
import { createOcppDeps } from '../../shared/lambda/ocpp-deps.js';
import { silentLog } from '../../shared/ports/log.js';
import { aCharger, PASSWORD, PASSWORD_HASH } from '../fixtures/ocpp/builders.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
/** Calls made here wait 30 s for an answer: far longer than any test below may take to see its outcome. */
const deps = createOcppDeps({
  tableName: platform.tableName,
  region: 'local',
  dynamoEndpoint: platform.endpoints.dynamoEndpoint,
  connectionsEndpoint: platform.endpoints.connectionsUrl,
  heartbeatIntervalSeconds: 300,
  callTimeoutSeconds: 30,
  doc,
  log: silentLog,
});
const api = operatorApi(platform.endpoints.httpUrl, DEMO.apiKey);
const chargers = new DynamoChargerRepository({ doc, tableName: platform.tableName });
const run = randomUUID().slice(0, 8);
const clients: RPCClient[] = [];
let n = 0;

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ force: true }).catch(() => {});
});

afterAll(() => doc.destroy());

async function newCharger(registration: ChargerRegistration = 'active'): Promise<string> {
  n++;
  const chargerId = `CALLS-${run}-${n}`;
  await chargers.createIfAbsent(
    aCharger({ chargerId, operatorId: DEMO.operatorId, passwordHash: PASSWORD_HASH, registration }),
  );
  return chargerId;
}

type Answer = (params: unknown) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Connects a strict simulated charger; `handlers` answer the platform's calls. */
async function connect(chargerId: string, handlers: Record<string, Answer> = {}): Promise<RPCClient> {
  const cp = simulatedCharger({ ocppUrl: platform.endpoints.ocppUrl, chargerId, password: PASSWORD });
  for (const [action, handle] of Object.entries(handlers))
    cp.handle(action, async ({ params }) => handle(params));
  clients.push(cp);
  await cp.connect();
  return cp;
}

/** A handler that records the call and never answers it. */
function silent(received: unknown[]): Answer {
  return (params) => {
    received.push(params);
    return new Promise(() => {});
  };
}

const outcome = (handle: CommandHandle) => awaitCommandResult(deps, handle.callId, { timeoutMs: 0 });

describe('defect 3: a call outstanding on a closed or superseded connection', () => {
  it('fails at once when the charger connects again, and the next command reaches the new connection', async () => {
    const chargerId = await newCharger();
    const unanswered: unknown[] = [];
    await connect(chargerId, { Reset: silent(unanswered) });
    const first = await reset(deps, chargerId, { type: 'Soft' });
    await expect.poll(() => unanswered.length, { timeout: 5_000 }).toBe(1);

    // The newest connection wins (a charger reconnecting after a reboot).
    const resets: unknown[] = [];
    await connect(chargerId, {
      Reset: (params) => {
        resets.push(params);
        return { status: 'Accepted' };
      },
    });
    await expect.poll(async () => (await outcome(first)).status, { timeout: 5_000 }).toBe('failed');
    expect((await outcome(first)).call.error).toMatchObject({ code: 'ChargerOffline', source: 'platform' });

    const second = await reset(deps, chargerId, { type: 'Hard' });
    expect(await awaitCommandResult(deps, second.callId, { timeoutMs: 5_000, pollMs: 25 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect(resets).toEqual([{ type: 'Hard' }]);
  });

  it('fails at once when the connection closes, and frees the charger for its next connection', async () => {
    const chargerId = await newCharger();
    const unanswered: unknown[] = [];
    const cp = await connect(chargerId, { Reset: silent(unanswered) });
    const first = await reset(deps, chargerId, { type: 'Soft' });
    await expect.poll(() => unanswered.length, { timeout: 5_000 }).toBe(1);
    await cp.close({ force: true });

    await expect.poll(async () => (await outcome(first)).status, { timeout: 5_000 }).toBe('failed');
    expect(await deps.calls.outstanding(chargerId)).toBeUndefined();
    await connect(chargerId, { Reset: () => ({ status: 'Accepted' }) });
    const second = await reset(deps, chargerId, { type: 'Soft' });
    expect((await awaitCommandResult(deps, second.callId, { timeoutMs: 5_000, pollMs: 25 })).status).toBe(
      'succeeded',
    );
  });
});

describe('defect 4: commands queued behind an unanswered one', () => {
  it('go out once it times out, each with its own answer time counted from when it is sent', async () => {
    const chargerId = await newCharger();
    const unanswered: unknown[] = [];
    const resets: unknown[] = [];
    await connect(chargerId, {
      GetConfiguration: silent(unanswered),
      Reset: (params) => {
        resets.push(params);
        return { status: 'Accepted' };
      },
    });
    const first = await getConfiguration(deps, chargerId, {}, { timeoutSeconds: 2 });
    const second = await reset(deps, chargerId, { type: 'Soft' }, { timeoutSeconds: 2 });

    expect(await awaitCommandResult(deps, second.callId, { timeoutMs: 10_000, pollMs: 50 })).toMatchObject({
      status: 'succeeded',
      result: { status: 'Accepted' },
    });
    expect((await outcome(first)).status).toBe('timeout');
    expect(unanswered).toHaveLength(1);
    expect(resets).toEqual([{ type: 'Soft' }]);
  });

  it('one that never left is reported not sent, not as unanswered', async () => {
    const chargerId = await newCharger();
    const unanswered: unknown[] = [];
    const resets: unknown[] = [];
    await connect(chargerId, {
      GetConfiguration: silent(unanswered),
      Reset: (params) => {
        resets.push(params);
        return { status: 'Accepted' };
      },
    });
    await getConfiguration(deps, chargerId, {}, { timeoutSeconds: 30 });
    const queued = await sendCommand(deps, {
      chargerId,
      action: 'Reset',
      payload: { type: 'Soft' },
      queueSeconds: 1,
    });

    await expect.poll(async () => (await outcome(queued)).status, { timeout: 5_000 }).toBe('not-sent');
    expect(await outcome(queued)).toMatchObject({ error: { code: 'ChargerBusy', source: 'platform' } });
    expect((await outcome(queued)).call.sentAt).toBeUndefined();
    expect(resets).toEqual([]);
  });
});

describe('defect 6: commands to chargers that are not accepted', () => {
  /** A charger that answers every call the platform may make, and counts what reached it. */
  async function connectBooted(chargerId: string): Promise<{ received: string[]; boot: string }> {
    const received: string[] = [];
    const answer =
      (action: string, reply: Record<string, unknown>): Answer =>
      () => {
        received.push(action);
        return reply;
      };
    const cp = await connect(chargerId, {
      RemoteStartTransaction: answer('RemoteStartTransaction', { status: 'Accepted' }),
      RemoteStopTransaction: answer('RemoteStopTransaction', { status: 'Accepted' }),
      Reset: answer('Reset', { status: 'Accepted' }),
      GetConfiguration: answer('GetConfiguration', { configurationKey: [] }),
      TriggerMessage: answer('TriggerMessage', { status: 'Accepted' }),
    });
    const boot = (await cp.call('BootNotification', {
      chargePointVendor: 'ITest',
      chargePointModel: 'Sim-1',
    })) as {
      status: string;
    };
    return { received, boot: boot.status };
  }
  const command = (chargerId: string, action: string, payload: Record<string, unknown>) =>
    api('POST', `/chargers/${chargerId}/commands`, { action, payload, waitSeconds: 5 });

  it('a Pending charger gets configuration and trigger calls only; the rest are refused with 409', async () => {
    const chargerId = await newCharger('pending');
    const { received, boot } = await connectBooted(chargerId);
    expect(boot).toBe('Pending');

    for (const [action, payload] of [
      ['RemoteStartTransaction', { idTag: DEMO.idTag, connectorId: 1 }],
      ['RemoteStopTransaction', { transactionId: 1 }],
      ['Reset', { type: 'Soft' }],
    ] as const) {
      const refused = await command(chargerId, action, payload);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toMatchObject({ code: 'charger_not_accepted' });
      expect(refused.json.error.message).toContain('pending');
    }
    expect(received).toEqual([]);

    expect((await command(chargerId, 'GetConfiguration', {})).json).toMatchObject({ status: 'succeeded' });
    expect(
      (await command(chargerId, 'TriggerMessage', { requestedMessage: 'BootNotification' })).json,
    ).toMatchObject({ status: 'succeeded' });
    expect(received).toEqual(['GetConfiguration', 'TriggerMessage']);
  });

  it('a Rejected charger gets nothing at all', async () => {
    const chargerId = await newCharger('rejected');
    const { received, boot } = await connectBooted(chargerId);
    expect(boot).toBe('Rejected');

    for (const [action, payload] of [
      ['GetConfiguration', {}],
      ['RemoteStartTransaction', { idTag: DEMO.idTag, connectorId: 1 }],
    ] as const) {
      const refused = await command(chargerId, action, payload);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toMatchObject({ code: 'charger_not_accepted' });
    }
    expect(received).toEqual([]);
  });
});
