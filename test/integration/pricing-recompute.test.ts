/**
 * Pricing through the real embedded platform: an ocpp-rpc charger (strict 1.6) sends its messages
 * over WebSocket, OCPP stores them in DynamoDB Local, the table stream drives the recompute, the
 * scheduled finaliser settles the charge (SETTLE_WINDOW_SECONDS 2, every 1 s in the test platform),
 * and the test polls DynamoDB until the expected state appears. Each test registers its own charger.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import {
  chargeTimerPartitions,
  gsi1,
  keyOf,
  keys,
  outboxPartition,
} from '../../shared/adapters/dynamodb/keys.js';
import { DynamoSessionTransactions } from '../../shared/adapters/dynamodb/session-transactions.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import type { Charge } from '../../shared/domain/pricing.js';
import { parseTariff } from '../../shared/domain/tariff.js';
import { createPricingDeps } from '../../shared/lambda/pricing-deps.js';
import { createRecomputeHandler } from '../../shared/lambda/recompute-handler.js';
import { silentLog } from '../../shared/ports/log.js';
import { countDynamoWrites, partition } from '../fixtures/ocpp/dynamo.js';
import { streamRecord } from '../fixtures/pricing/stream-records.js';
import { msAt, thisMinuteMs } from '../fixtures/time.js';

const platform = inject('platform');
const { tableName } = platform;
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const OPERATOR = 'op-demo';
const PASSWORD = 'pricing-it-password';

/** 30p per kWh and £6 per hour of idling (10p a minute), no tax, no grace: easy to check by hand. */
const TARIFF = parseTariff({
  id: 'tariff-pricing-it',
  operatorId: OPERATOR,
  name: 'Pricing integration',
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [
    {
      components: [
        { type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 0 },
        { type: 'PARKING', priceMilliMinor: 600_000, taxRateBp: 0 },
      ],
    },
  ],
});

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];
type Item = Record<string, unknown>;

let passwordHash = '';
const clients: RPCClient[] = [];

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.tariff(OPERATOR, TARIFF.id), entity: 'tariff', ...TARIFF },
    }),
  );
});

afterAll(async () => {
  for (const c of clients) await c.close({ force: true }).catch(() => {});
  doc.destroy();
});

/** Registers a charger of its own (free, public, on the test tariff) and connects it. */
async function aCharger(
  handlers: Record<string, (params: unknown) => unknown> = {},
  tariffId = TARIFF.id,
): Promise<{ id: string; cp: RPCClient }> {
  const id = `PRICE-${randomUUID().slice(0, 8)}`;
  await doc.send(
    new PutCommand({
      TableName: tableName,
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
        tariffId,
        connectorCount: 1,
        createdAt: new Date().toISOString(),
      },
    }),
  );
  const cp = new RPCClient({
    endpoint: platform.endpoints.ocppUrl,
    identity: id,
    protocols: ['ocpp1.6'],
    strictMode: true,
    password: PASSWORD,
    reconnect: false,
  } as ClientOptions);
  for (const [action, handle] of Object.entries(handlers)) {
    cp.handle(action, async ({ params }: { params?: unknown }) => handle(params) as Record<string, unknown>);
  }
  await cp.connect();
  clients.push(cp);
  await cp.call('BootNotification', { chargePointVendor: 'PricingIT', chargePointModel: 'M1' });
  return { id, cp };
}

/** Sessions began a quarter of an hour ago by the charger's clock (every reading below is in the past). */
const T0 = msAt(thisMinuteMs(), '-15m');
const iso = (minutes: number, seconds = 0) => new Date(T0 + (minutes * 60 + seconds) * 1000).toISOString();
const reading = (minutes: number, wh: number, seconds = 0) => ({
  timestamp: iso(minutes, seconds),
  sampledValue: [
    { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
  ],
});

async function start(cp: RPCClient, meterStart: number): Promise<number> {
  const conf = (await cp.call('StartTransaction', {
    connectorId: 1,
    idTag: 'PRICING-IT',
    meterStart,
    timestamp: iso(0),
  })) as { transactionId: number; idTagInfo: { status: string } };
  expect(conf.idTagInfo.status).toBe('Accepted');
  return conf.transactionId;
}

const meterValues = (cp: RPCClient, transactionId: number, values: ReturnType<typeof reading>[]) =>
  cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: values });

async function txItem(chargerId: string, transactionId: number): Promise<Item> {
  const out = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.transaction(chargerId, transactionId),
      ConsistentRead: true,
    }),
  );
  return (out.Item ?? {}) as Item;
}

/** Polls until `check` passes (it throws while the state is not there yet) and returns what it read. */
function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await read();
      check(value);
      return value;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** The stream event the recompute got for these items (INSERTs of the meter values and the transaction). */
function replayEvent(items: Item[]): DynamoDBStreamEvent {
  const records = items
    .filter((i) => keyOf.isTransactionItem(String(i.sk)) || keyOf.isMeterValues(String(i.sk)))
    .map((i) => streamRecord('INSERT', i));
  return { Records: records };
}

/** The recompute handler over its own counted client, as a retried Lambda invocation would run it. */
function countedRecompute() {
  const counted = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
  const writes = countDynamoWrites(counted);
  const reads = { count: 0 };
  counted.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName === 'GetItemCommand') reads.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  const deps = createPricingDeps({
    tableName,
    region: 'local',
    dynamoEndpoint: platform.endpoints.dynamoEndpoint,
    connectionsEndpoint: platform.endpoints.connectionsUrl,
    settleWindowSeconds: 2,
    callTimeoutSeconds: 5,
    doc: counted,
    log: silentLog,
  });
  return { handler: createRecomputeHandler(() => deps), writes, reads, close: () => counted.destroy() };
}

describe('pricing on the table stream', () => {
  it('prices out-of-order and after-stop meter values exactly, finalises, and flags a sample after that', async () => {
    const { id, cp } = await aCharger();
    const txId = await start(cp, 10_000);
    // The charger's link was flaky: readings arrive out of order, one only after the stop.
    //   minute:   0       1       2       3       4       5       6       10 (stop)
    //   Wh:   10 000  10 500  11 000  11 500  12 000  12 000  12 000  12 000
    await meterValues(cp, txId, [reading(5, 12_000), reading(6, 12_000)]); // idle readings first
    await meterValues(cp, txId, [reading(2, 11_000), reading(1, 10_500)]);
    await meterValues(cp, txId, [reading(3, 11_500)]);
    await cp.call('StopTransaction', {
      transactionId: txId,
      meterStop: 12_000,
      timestamp: iso(10),
      reason: 'EVDisconnected',
      transactionData: [reading(6, 12_000)], // a repeat of a reading already sent: counted once
    });
    // Queued during the outage, delivered after the stop (within the 2 s settle window):
    await meterValues(cp, txId, [reading(4, 12_000)]);

    // Worked out by hand:
    //   ENERGY 12 000 - 10 000 = 2 000 Wh = 2 kWh x 30p                          =  60p
    //   PARKING from when 12 000 Wh was first seen (minute 4, the late reading) to the
    //           stop at minute 10: 6 minutes x 10p                                =  60p
    //   total                                                                        120p
    // (Without the late reading charging would seem to end at minute 5: 5 minutes, 110p.)
    const final = await eventually(
      () => txItem(id, txId),
      (tx) => expect(tx.status).toBe('final'),
    );
    const charge = final.charge as Charge;
    expect(charge.lines.map((l) => [l.component, l.quantity, l.grossMinor])).toEqual([
      ['ENERGY', 2_000_000, 60],
      ['PARKING', 6, 60],
    ]);
    expect(charge.totals).toEqual({ netMinor: 120, taxMinor: 0, grossMinor: 120 });
    expect(charge).toMatchObject({
      stopped: true,
      chargingEndedAt: Date.parse(iso(4)) / 1000,
      billedParkingMinutes: 6,
    });
    expect(final).toMatchObject({ energyMilliWh: 2_000_000, finalReason: 'settled', discrepancies: {} });
    // The late message was labelled after-stop by the recompute, and restarted the settle window.
    const items = await partition(doc, tableName, keys.transaction(id, txId).pk);
    const lateItem = items.find(
      (i) => (i.meterValue as { timestamp: string }[] | undefined)?.[0]?.timestamp === iso(4),
    );
    expect(lateItem?.flags).toEqual(new Set(['after-stop']));
    expect(final.lastSampleReceivedAt).toBe(Math.floor(Date.parse(lateItem?.receivedAt as string) / 1000));

    // The charge-finalised event, written with it, for payments.
    const outbox = await partition(doc, tableName, outboxPartition('charge-finalised'));
    const event = outbox.find((o) => o.chargerId === id && o.transactionId === txId);
    expect(event).toMatchObject({
      type: 'charge-finalised',
      eventId: `charge-finalised:${id}#${txId}`,
      reason: 'settled',
      charge,
      finalisedAt: final.finalisedAt,
    });
    // No timer left behind for it.
    const timers = (
      await Promise.all(chargeTimerPartitions().map((pk) => partition(doc, tableName, pk)))
    ).flat();
    expect(timers.filter((t) => t.chargerId === id)).toEqual([]);

    // Replaying the same stream batch (a Lambda retry) changes nothing and writes nothing.
    const replay = countedRecompute();
    const result = await replay.handler(replayEvent(items));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(replay.reads.count).toBe(1); // it did look: one read of the transaction, no write
    expect(replay.writes.requests).toBe(0);
    expect(await txItem(id, txId)).toEqual(final);
    replay.close();

    // A reading that turns up after finalisation: stored, flagged for the operator, charge unchanged.
    await meterValues(cp, txId, [reading(11, 12_600)]);
    const flagged = await eventually(
      () => txItem(id, txId),
      (tx) => expect(Object.keys(tx.discrepancies as object)).toHaveLength(1),
    );
    const [discrepancy] = Object.values(flagged.discrepancies as object);
    expect(discrepancy).toMatchObject({ kind: 'sample-after-final', samples: 1, wouldChangeCharge: true });
    expect(flagged.charge).toEqual(charge);
    expect(flagged.chargeFlags).toEqual(new Set(['sample-after-final']));
    expect(
      (await partition(doc, tableName, outboxPartition('charge-finalised'))).filter(
        (o) => o.chargerId === id,
      ),
    ).toHaveLength(1);
  });

  it('ends a transaction whose stop was lost when the connector starts again, and finalises its charge', async () => {
    const { id, cp } = await aCharger();
    const first = await start(cp, 10_000);
    await meterValues(cp, first, [reading(1, 11_000), reading(3, 12_000)]);
    // The charger reboots and drops its queue: no StopTransaction; the connector starts again.
    const second = (await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'PRICING-IT',
      meterStart: 12_000,
      timestamp: iso(5),
    })) as { transactionId: number };
    expect(second.transactionId).not.toBe(first);

    // ENERGY 12 000 - 10 000 = 2 kWh x 30p = 60p; PARKING minute 3 to the new start at minute 5: 2 x 10p.
    const final = await eventually(
      () => txItem(id, first),
      (tx) => expect(tx.status).toBe('final'),
    );
    expect(final).toMatchObject({
      stoppedAt: iso(5),
      meterStop: 12_000,
      stopReason: 'Other',
      flags: new Set(['superseded-by-new-start']),
      energyMilliWh: 2_000_000,
      finalReason: 'settled',
    });
    expect((final.charge as Charge).totals).toEqual({ netMinor: 80, taxMinor: 0, grossMinor: 80 });
    expect(await txItem(id, second.transactionId)).toMatchObject({ status: 'active' });
  });

  it("bills from the charger's own stop when it arrives after the platform ended the transaction at a new start", async () => {
    const { id, cp } = await aCharger();
    const first = await start(cp, 10_000);
    await meterValues(cp, first, [reading(1, 11_000), reading(3, 12_000)]);
    // The charger queued its stop while offline and sends the new start first; its register
    // restarts per session, so the platform ends the old transaction on the highest reading it has.
    const second = (await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'PRICING-IT',
      meterStart: 0,
      timestamp: iso(5),
    })) as { transactionId: number };
    expect(second.transactionId).not.toBe(first);
    expect(
      await cp.call('StopTransaction', {
        transactionId: first,
        meterStop: 12_500,
        timestamp: iso(4),
        reason: 'Local',
        transactionData: [reading(4, 12_500)],
      }),
    ).toEqual({});

    // ENERGY 12 500 - 10 000 = 2.5 kWh x 30p = 75p; no parking: energy flowed until the stop at
    // minute 4. The platform's stop (12 000 Wh at minute 5) is in neither the bill nor the aggregate.
    const final = await eventually(
      () => txItem(id, first),
      (tx) => expect(tx.status).toBe('final'),
    );
    expect(final).toMatchObject({
      stoppedAt: iso(4),
      meterStop: 12_500,
      stopReason: 'Local',
      flags: new Set(['stop-replaced-by-charger', 'superseded-by-new-start']),
      energyMilliWh: 2_500_000,
      finalReason: 'settled',
    });
    expect((final.charge as Charge).totals).toEqual({ netMinor: 75, taxMinor: 0, grossMinor: 75 });
    const aggregate = final.aggregate as { register: { last: unknown }[]; flags: { negativeDelta: boolean } };
    expect(aggregate.register.map((bucket) => bucket.last)).toEqual([
      { atMs: Date.parse(iso(4)), milliWh: 12_500_000 },
    ]);
    expect(aggregate.flags.negativeDelta).toBe(false);
  });

  it("keeps the bill when the charger's own stop arrives after the superseded charge is final: a stop-conflict", async () => {
    const { id, cp } = await aCharger();
    const first = await start(cp, 10_000);
    await meterValues(cp, first, [reading(1, 11_000), reading(3, 12_000)]);
    await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'PRICING-IT',
      meterStart: 12_000,
      timestamp: iso(5),
    });
    const final = await eventually(
      () => txItem(id, first),
      (tx) => expect(tx.status).toBe('final'),
    );
    expect(
      await cp.call('StopTransaction', {
        transactionId: first,
        meterStop: 12_500,
        timestamp: iso(4),
        reason: 'Local',
      }),
    ).toEqual({});
    const after = await txItem(id, first);
    expect(after.flags).toEqual(new Set(['stop-conflict', 'superseded-by-new-start']));
    expect({ ...after, flags: final.flags, updatedAt: final.updatedAt }).toEqual(final);
  });

  it('bills a session across a band boundary from millisecond timestamps, readings out of order and late, to the penny', async () => {
    // A cheap band from 5 minutes into the session (UTC, so the boundary B is T0 + 5 min exactly).
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const boundaryMs = T0 + 5 * 60_000;
    const banded = parseTariff({
      id: `tariff-bands-${randomUUID().slice(0, 8)}`,
      operatorId: OPERATOR,
      name: 'Bands integration',
      currency: 'GBP',
      timeZone: 'UTC',
      elements: [
        {
          components: [
            { type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 2000 },
            { type: 'TIME', priceMilliMinor: 120_000, taxRateBp: 2000 },
          ],
        },
        {
          label: 'Cheap',
          components: [{ type: 'ENERGY', priceMilliMinor: 10_000, taxRateBp: 2000 }],
          restrictions: { startTime: hhmm(boundaryMs), endTime: hhmm(boundaryMs + 3 * 3600_000) },
        },
      ],
    });
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.tariff(OPERATOR, banded.id), entity: 'tariff', ...banded },
      }),
    );
    const { id, cp } = await aCharger({}, banded.id);
    const started = (await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'PRICING-IT',
      meterStart: 10_000,
      timestamp: iso(0, 0.25),
    })) as { transactionId: number };
    const txId = started.transactionId;
    // Out of order: the 9:30.750 reading before the 2:00.500 one; the 7:00.500 reading only after the stop.
    await meterValues(cp, txId, [reading(9, 14_000, 30.75)]);
    await meterValues(cp, txId, [reading(2, 11_000, 0.5)]);
    await cp.call('StopTransaction', { transactionId: txId, meterStop: 14_500, timestamp: iso(10, 0.999) });
    await meterValues(cp, txId, [reading(7, 13_000, 0.5)]);

    // By hand (README "How a charge is computed"), times from the start at 0:00.250:
    // - baseline: the first reading (11 000 Wh at 2:00.500) is within meterStart's allowance, so
    //   energy counts from meterStart 10 000 Wh: 1 000 000 mWh in the day band;
    // - 2:00.500 -> 7:00.500 (300 000 ms) straddles B at 5:00: 2 000 000 mWh x 179 500 / 300 000 =
    //   1 196 666.67, half up 1 196 667 mWh day, 803 333 mWh cheap;
    // - 7:00.500 -> 9:30.750 -> stop 14 500 Wh at 10:00.999, all cheap: 1 500 000 mWh;
    // - day 2 196 667 mWh x 30p/kWh = 65.90 -> 66p, VAT 13.2 -> 13p; cheap 2 303 333 mWh x 10p/kWh =
    //   23.03 -> 23p, VAT 4.6 -> 5p;
    // - TIME 600 749 ms -> 11 started minutes (10 if the milliseconds were dropped) x 2p = 22p, VAT 4.4 -> 4p.
    const final = await eventually(
      () => txItem(id, txId),
      (tx) => expect(tx.status).toBe('final'),
    );
    expect(final.energyMilliWh).toBe(4_500_000);
    const charge = final.charge as Charge;
    const figures = charge.lines.map(({ component, label, quantity, netMinor, taxMinor, grossMinor }) => ({
      component,
      ...(label !== undefined ? { label } : {}),
      quantity,
      netMinor,
      taxMinor,
      grossMinor,
    }));
    expect(figures).toEqual(
      expect.arrayContaining([
        { component: 'ENERGY', quantity: 2_196_667, netMinor: 66, taxMinor: 13, grossMinor: 79 },
        {
          component: 'ENERGY',
          label: 'Cheap',
          quantity: 2_303_333,
          netMinor: 23,
          taxMinor: 5,
          grossMinor: 28,
        },
        { component: 'TIME', quantity: 11, netMinor: 22, taxMinor: 4, grossMinor: 26 },
      ]),
    );
    expect(figures).toHaveLength(3);
    expect(charge.totals).toEqual({ netMinor: 111, taxMinor: 22, grossMinor: 133 });
  });

  it('replaying a running session batch changes nothing', async () => {
    const { id, cp } = await aCharger();
    const txId = await start(cp, 50_000);
    await meterValues(cp, txId, [reading(1, 50_400), reading(2, 50_800)]);
    await meterValues(cp, txId, [reading(3, 51_200)]);
    const priced = await eventually(
      () => txItem(id, txId),
      (tx) => expect(tx.energyMilliWh).toBe(1_200_000),
    );
    expect((priced.charge as Charge).totals.grossMinor).toBe(36); // 1.2 kWh x 30p
    const items = await partition(doc, tableName, keys.transaction(id, txId).pk);
    const replay = countedRecompute();
    for (let i = 0; i < 2; i++) {
      expect(await replay.handler(replayEvent(items))).toEqual({ batchItemFailures: [] });
    }
    expect(replay.reads.count).toBe(2);
    expect(replay.writes.requests).toBe(0);
    expect(await txItem(id, txId)).toEqual(priced);
    replay.close();
  });

  it('stops the session with RemoteStopTransaction when the charge nears the pre-auth amount, once', async () => {
    const stops: unknown[] = [];
    const { id, cp } = await aCharger({
      RemoteStopTransaction: (params) => {
        stops.push(params);
        return { status: 'Accepted' };
      },
    });
    const txId = await start(cp, 20_000);
    // Payments' seam: the card hold is £2.00. Margin max(5 %, 50p) = 50p: the limit is 150p.
    await new DynamoSessionTransactions({ doc, tableName }).attachHold(id, txId, {
      preAuthAmountMinor: 200,
      paymentSessionId: 'ps-cost-cap',
    });
    // 1 kWh a minute (60 kW): 30p a minute. After minute 4 the charge is 120p and the next minute
    // would reach 150p, which does not pass the limit; after minute 5 it is 150p: stop.
    // Each reading is priced before the next is sent, so every recompute looks one minute ahead (two
    // readings in one batch would look two minutes ahead and stop at minute 4 on the projection).
    for (let minute = 1; minute <= 5; minute++) {
      await meterValues(cp, txId, [reading(minute, 20_000 + 1_000 * minute)]);
      await eventually(
        () => txItem(id, txId),
        (t) => expect(t.energyMilliWh).toBe(1_000_000 * minute),
      );
    }
    await eventually(
      async () => stops,
      (s) => expect(s).toEqual([{ transactionId: txId }]),
    );
    const tx = await eventually(
      () => txItem(id, txId),
      (t) => expect((t.costCap as { status?: string } | undefined)?.status).toBe('sent'),
    );
    // 150p reached at minute 5; one more minute at 30p would make it 180p.
    expect(tx.costCap).toMatchObject({
      reason: 'limit-reached',
      projectedGrossMinor: 180,
      limitMinor: 150,
      preAuthAmountMinor: 200,
    });
    // The charger keeps reporting until it stops; no second stop goes out.
    await meterValues(cp, txId, [reading(9, 29_000)]);
    await cp.call('StopTransaction', {
      transactionId: txId,
      meterStop: 29_000,
      timestamp: iso(9, 30),
      reason: 'Remote',
    });
    await eventually(
      () => txItem(id, txId),
      (t) => expect(t.status).toBe('final'),
    );
    expect(stops).toHaveLength(1);
  });
});

describe('impossible meter readings', () => {
  it('refuses StartTransaction with a negative meterStart (PropertyConstraintViolation) and stores nothing', async () => {
    const { id, cp } = await aCharger();
    const before = await partition(doc, tableName, keys.transactionCounter(id).pk);
    await expect(
      cp.call('StartTransaction', { connectorId: 1, idTag: 'PRICING-IT', meterStart: -5, timestamp: iso(0) }),
    ).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
    expect(await partition(doc, tableName, keys.transactionCounter(id).pk)).toEqual(before);
    expect(await txItem(id, 1)).toEqual({});
  });

  it('refuses StopTransaction with a negative meterStop and leaves the session running', async () => {
    const { id, cp } = await aCharger();
    const txId = await start(cp, 10_000);
    const before = await txItem(id, txId);
    await expect(
      cp.call('StopTransaction', { transactionId: txId, meterStop: -1, timestamp: iso(5), reason: 'Local' }),
    ).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
    const after = await txItem(id, txId);
    expect(after.status).toBe('active');
    expect(after.meterStop).toBeUndefined();
    expect(after.stoppedAt).toBeUndefined();
    expect(after.startMessageId).toBe(before.startMessageId);
  });

  it('a poison record (a negative meterStart stored before the check) is flagged and does not hold up another session', async () => {
    // Written as OCPP stored it before StartTransaction refused negative readings.
    const poisonId = `POISON-${randomUUID().slice(0, 8)}`;
    const now = new Date().toISOString();
    await new DynamoTransactionRepository({ doc, tableName }).createStarted(
      {
        chargerId: poisonId,
        transactionId: 1,
        operatorId: OPERATOR,
        connectorId: 1,
        idTag: 'PRICING-IT',
        idTagStatus: 'Accepted',
        meterStart: -5,
        startedAt: iso(0),
        startMessageId: 'poison-start',
        tariffSnapshot: TARIFF,
        status: 'active',
        flags: [],
        createdAt: now,
        updatedAt: now,
      },
      undefined,
    );
    // Right behind it on the stream: a healthy session, priced as quickly as ever.
    const { id, cp } = await aCharger();
    const txId = await start(cp, 10_000);
    await meterValues(cp, txId, [reading(1, 11_000)]);
    const sentAt = performance.now();
    await eventually(
      () => txItem(id, txId),
      (item) => expect(item.energyMilliWh).toBe(1_000_000),
      // Retrying the poison record took 10 s or more before the healthy one was reached.
      5_000,
    );
    expect(performance.now() - sentAt).toBeLessThan(5_000);
    const poison = await eventually(
      () => txItem(poisonId, 1),
      (item) => expect(item.chargeFlags).toEqual(new Set(['pricing-input-invalid'])),
    );
    expect(poison.charge).toBeUndefined();
  });
});
