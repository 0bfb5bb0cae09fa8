/**
 * Crash and restart (issue 9, finding 2): the platform runs as a process of its own on a data
 * folder (test/fixtures/crash/platform-child.ts) and is killed with SIGKILL, JVM and all, at points
 * of a session where work has been acknowledged but perhaps not yet priced: right after a
 * MeterValues is acknowledged, and right after StopTransaction is. It is restarted on the same data
 * and the sessions finish. Their final charges must equal that of the same session run without a
 * crash: nothing the charger was told is stored may be lost or left unpriced.
 *
 * This test does not use the shared test platform; it starts its own, three times.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlatformEndpoints } from '../../local/platform.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { gsi1, keys } from '../../shared/adapters/dynamodb/keys.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import { aTariff, energy, parking } from '../fixtures/builders/pricing.js';
import { msAt, thisMinuteMs } from '../fixtures/time.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OPERATOR = 'op-demo';
const PASSWORD = 'crash-test-password';
/** 30p per kWh and £6 per hour of idling, no tax: the pricing integration test's rate. */
const TARIFF = aTariff({
  id: 'tariff-crash',
  operatorId: OPERATOR,
  name: 'Crash test',
  elements: [{ components: [energy(30_000, 0), parking(600_000, 0)] }],
});

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];
type Item = Record<string, unknown>;

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  endpoints: PlatformEndpoints;
  tableName: string;
  clients: RPCClient[];
}

let dataDir = '';
let running: Running | undefined;

/** Starts the platform process on `dataDir` and waits for its endpoints line. */
async function startChild(): Promise<Running> {
  // Its own process group, so a kill of the group takes DynamoDB Local's JVM with it, as a power
  // cut or an OOM kill of the container would.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/crash/platform-child.ts', dataDir],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const output: string[] = [];
  const line = await new Promise<string>((resolveLine, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const found = buffered.split('\n').find((l) => l.startsWith('PLATFORM '));
      if (found) resolveLine(found);
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(() =>
      reject(new Error(`the platform process exited before it was up:\n${output.join('')}`)),
    );
  });
  const { endpoints, tableName } = JSON.parse(line.slice('PLATFORM '.length)) as {
    endpoints: PlatformEndpoints;
    tableName: string;
  };
  return { child, exited, endpoints, tableName, clients: [] };
}

/** kill -9 of the whole platform: no shutdown code runs. */
async function crash(p: Running): Promise<void> {
  process.kill(-(p.child.pid as number), 'SIGKILL');
  await p.exited;
  for (const c of p.clients) await c.close({ force: true }).catch(() => {});
}

async function withDoc<T>(p: Running, fn: (doc: ReturnType<typeof createDocumentClient>) => Promise<T>) {
  const doc = createDocumentClient({ region: 'local', endpoint: p.endpoints.dynamoEndpoint });
  try {
    return await fn(doc);
  } finally {
    doc.destroy();
  }
}

async function registerChargers(p: Running, ids: string[]): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  await withDoc(p, async (doc) => {
    await doc.send(
      new PutCommand({
        TableName: p.tableName,
        Item: { ...keys.tariff(OPERATOR, TARIFF.id), entity: 'tariff', ...TARIFF },
      }),
    );
    for (const id of ids) {
      await doc.send(
        new PutCommand({
          TableName: p.tableName,
          Item: {
            ...keys.charger(id),
            ...gsi1.chargerOfOperator(OPERATOR, id),
            entity: 'charger',
            chargerId: id,
            operatorId: OPERATOR,
            passwordHash,
            registration: 'active',
            accessMode: 'public',
            paid: false,
            tariffId: TARIFF.id,
            connectorCount: 1,
            createdAt: new Date().toISOString(),
          },
        }),
      );
    }
  });
}

async function connect(p: Running, id: string): Promise<RPCClient> {
  const cp = new RPCClient({
    endpoint: p.endpoints.ocppUrl,
    identity: id,
    protocols: ['ocpp1.6'],
    strictMode: true,
    password: PASSWORD,
    reconnect: false,
  } as ClientOptions);
  await cp.connect();
  p.clients.push(cp);
  return cp;
}

/** Every session uses the same charger clock: begun a quarter of an hour ago. */
const T0 = msAt(thisMinuteMs(), '-15m');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const reading = (minutes: number, wh: number) => ({
  timestamp: iso(minutes),
  sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
});

/** The session, step by step; each step resolves once the platform has acknowledged it. */
const session = {
  start: async (cp: RPCClient) =>
    (
      (await cp.call('StartTransaction', {
        connectorId: 1,
        idTag: 'CRASH-TEST',
        meterStart: 10_000,
        timestamp: iso(0),
      })) as { transactionId: number }
    ).transactionId,
  firstValues: (cp: RPCClient, transactionId: number) =>
    cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [reading(1, 10_500), reading(2, 11_000)],
    }),
  secondValues: (cp: RPCClient, transactionId: number) =>
    cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [reading(4, 12_000), reading(6, 12_000)],
    }),
  stop: (cp: RPCClient, transactionId: number) =>
    cp.call('StopTransaction', {
      transactionId,
      meterStop: 12_000,
      timestamp: iso(10),
      reason: 'EVDisconnected',
    }),
};

async function finalTransaction(p: Running, chargerId: string, transactionId: number): Promise<Item> {
  return vi.waitFor(
    () =>
      withDoc(p, async (doc) => {
        const out = await doc.send(
          new GetCommand({
            TableName: p.tableName,
            Key: keys.transaction(chargerId, transactionId),
            ConsistentRead: true,
          }),
        );
        expect(out.Item?.status).toBe('final');
        return out.Item as Item;
      }),
    { timeout: 20_000, interval: 200 },
  );
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crash-restart-'));
});

afterAll(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) await crash(running);
  await rm(dataDir, { recursive: true, force: true });
});

describe('kill -9 and restart on the same data', () => {
  it('finishes every session with the charge of the same session without a crash', {
    timeout: 120_000,
  }, async () => {
    const [REF, AFTER_STOP, AFTER_VALUES] = ['CRASH-REF', 'CRASH-STOP', 'CRASH-MV'];

    // Run 1: the reference session runs through; one session is killed right after its
    // StopTransaction is acknowledged; one has only begun.
    running = await startChild();
    await registerChargers(running, [REF, AFTER_STOP, AFTER_VALUES]);
    const [ref, afterStop, afterValues] = [
      await connect(running, REF),
      await connect(running, AFTER_STOP),
      await connect(running, AFTER_VALUES),
    ];
    const refTx = await session.start(ref);
    await session.firstValues(ref, refTx);
    await session.secondValues(ref, refTx);
    await session.stop(ref, refTx);
    const valuesTx = await session.start(afterValues);
    await session.firstValues(afterValues, valuesTx);
    const stopTx = await session.start(afterStop);
    await session.firstValues(afterStop, stopTx);
    await session.secondValues(afterStop, stopTx);
    await session.stop(afterStop, stopTx);
    await crash(running);

    // Run 2: a MeterValues is acknowledged, then the platform dies at once.
    running = await startChild();
    await session.secondValues(await connect(running, AFTER_VALUES), valuesTx);
    await crash(running);

    // Run 3: the last session stops; everything settles.
    running = await startChild();
    await session.stop(await connect(running, AFTER_VALUES), valuesTx);

    const want = await finalTransaction(running, REF, refTx);
    expect(want.charge).toMatchObject({ totals: { grossMinor: 120 } });
    for (const [id, tx] of [
      [AFTER_STOP, stopTx],
      [AFTER_VALUES, valuesTx],
    ] as const) {
      const got = await finalTransaction(running, id, tx);
      expect(got.charge, id).toEqual(want.charge);
      expect(got.energyMilliWh, id).toBe(want.energyMilliWh);
    }
  });
});
