/**
 * The reconciliation sweep against DynamoDB Local: a table of its own with no stream consumer, so
 * every stream record is "lost". OCPP's own repository writes two identical sessions; one is priced
 * as the stream would price it (recomputeBatch over its records), the other only by the sweep. The
 * sweep's Scan pages, its cursor item, and its refold all run on the real engine.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { ManualClock } from '../../shared/adapters/memory/ocpp-store.js';
import { recomputeBatch } from '../../shared/app/pricing/recompute.js';
import { reconcileCharges } from '../../shared/app/pricing/reconcile.js';
import type { Tariff } from '../../shared/domain/tariff.js';
import { createPricingDeps } from '../../shared/lambda/pricing-deps.js';
import type { MeterMessage, TxKey } from '../../shared/ports/charges.js';
import { silentLog } from '../../shared/ports/log.js';
import { DEMO_TARIFF } from '../fixtures/builders/pricing.js';
import { thisMinuteMs } from '../fixtures/time.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = 'reconcile-sweep';
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName };
const transactions = new DynamoTransactionRepository(table);
const clock = new ManualClock(thisMinuteMs());
const deps = createPricingDeps({
  tableName,
  region: 'local',
  dynamoEndpoint,
  settleWindowSeconds: 60,
  callTimeoutSeconds: 5,
  doc,
  clock,
  log: silentLog,
});
const iso = (minutesAgo: number) => new Date(clock.now() - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  await ensurePlatformTable(dynamoEndpoint, tableName);
});
afterAll(() => doc.destroy());

/** One session as OCPP stores it: start, one MeterValues, stop. Returns its meter message. */
async function storeSession(key: TxKey): Promise<MeterMessage> {
  await transactions.createStarted(
    {
      ...key,
      operatorId: 'op-reconcile',
      connectorId: 1,
      idTag: 'TAG-1',
      meterStart: 10_000,
      startedAt: iso(40),
      tariffSnapshot: DEMO_TARIFF as Tariff,
      status: 'active',
      flags: [],
      createdAt: iso(40),
      updatedAt: iso(40),
    },
    undefined,
  );
  const message: MeterMessage = {
    messageId: `mv-${key.transactionId}`,
    source: 'MeterValues',
    receivedAt: iso(20),
    meterValue: [
      {
        timestamp: iso(20),
        sampledValue: [{ value: '10600', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
      },
    ],
  };
  await transactions.putMeterValues({
    ...key,
    operatorId: 'op-reconcile',
    connectorId: 1,
    flags: [],
    ...message,
  });
  await transactions.recordStop(key.chargerId, key.transactionId, {
    meterStop: 11_200,
    stoppedAt: iso(10),
    stopMessageId: `stop-${key.transactionId}`,
    receivedAt: iso(10),
  });
  return message;
}

const itemOf = async (key: TxKey) =>
  (
    await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.transaction(key.chargerId, key.transactionId) }),
    )
  ).Item!;

describe('reconciliation sweep on DynamoDB Local', () => {
  it('re-folds only the session whose records were lost, to the charge the stream gives', async () => {
    const streamed: TxKey = { chargerId: 'RECON-1', transactionId: 1 };
    const lost: TxKey = { chargerId: 'RECON-1', transactionId: 2 };
    const message = await storeSession(streamed);
    await storeSession(lost);
    // The stream's records for the first session, as the recompute handler would be given them.
    const priced = await recomputeBatch(deps, [
      { id: 'seq-1', trigger: { kind: 'transaction', key: streamed } },
      { id: 'seq-2', trigger: { kind: 'meter-values', key: streamed, message } },
      { id: 'seq-3', trigger: { kind: 'transaction', key: streamed, stopReceivedAt: iso(10) } },
    ]);
    expect(priced.failedIds).toEqual([]);
    expect((await itemOf(lost)).charge).toBeUndefined();

    const report = await reconcileCharges(deps, { pageSize: 3, maxPages: 100 });

    expect(report).toMatchObject({ examined: 2, refolded: 1, failed: 0, passComplete: true });
    const [want, got] = [await itemOf(streamed), await itemOf(lost)];
    expect(got.charge).toMatchObject({ energyMilliWh: 1_200_000 });
    for (const field of ['charge', 'aggregate', 'energyMilliWh', 'lastSampleReceivedAt', 'stopReceivedAt'])
      expect(got[field], field).toEqual(want[field]);
    // Its finaliser timer is written with it, so the stale session settles like the other.
    expect(got.finaliseDueAt).toBe(want.finaliseDueAt);
    // The pass ended: no cursor is kept, and a second pass finds nothing stale.
    expect(
      (await doc.send(new GetCommand({ TableName: tableName, Key: keys.reconcileCursor() }))).Item,
    ).toBeUndefined();
    expect(await reconcileCharges(deps)).toMatchObject({ examined: 2, refolded: 0 });
  });

  it('keeps its place between runs when a run ends mid-table', async () => {
    const first = await reconcileCharges(deps, { pageSize: 2, maxPages: 1 });
    expect(first.passComplete).toBe(false);
    const cursor = await doc.send(new GetCommand({ TableName: tableName, Key: keys.reconcileCursor() }));
    expect(cursor.Item?.cursor).toEqual(expect.any(String));
    let examined = first.examined;
    for (let run = 0; run < 20; run++) {
      const next = await reconcileCharges(deps, { pageSize: 2, maxPages: 1 });
      examined += next.examined;
      if (next.passComplete) break;
    }
    // Both unfinalised sessions were seen once over the pass, whatever the page boundaries.
    expect(examined).toBe(2);
  });
});
