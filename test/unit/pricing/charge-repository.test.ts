/**
 * The DynamoDB ChargeRepository: which requests it sends (one item or one transaction, consistent
 * reads, one query per timer shard) and how it reads answers, over aws-sdk-client-mock. What the
 * writes store, and which conditions they enforce, is the contract suite's job against DynamoDB
 * Local (test/fixtures/contracts/charges.ts): no expression strings are asserted here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoChargeRepository } from '../../../shared/adapters/dynamodb/charge-repository.js';
import {
  CHARGE_TIMER_SHARDS,
  chargeTimerPartition,
  chargeTimerPartitions,
  keys,
} from '../../../shared/adapters/dynamodb/keys.js';
import { initAggregate } from '../../../shared/domain/charge-aggregate.js';
import type { ChargeFinalisedEvent, ChargeUpdate } from '../../../shared/ports/charges.js';
import { at, DEMO_TARIFF, ms } from '../../fixtures/builders/pricing.js';
import { KEY } from './support.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const ddb = mockClient(doc);
const repo = new DynamoChargeRepository({ doc, tableName: 'platform' });

const aggregate = initAggregate({
  tariff: DEMO_TARIFF,
  startedAtMs: ms(at('2026-03-02T08:00:00Z')),
  meterStartWh: 10_000,
});
const update: ChargeUpdate = { aggregate, energyMilliWh: 0, lastSampleReceivedAt: 100, addFlags: [] };

beforeEach(() => ddb.reset());

describe('DynamoChargeRepository', () => {
  it('reads the transaction consistently and maps the pricing attributes', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        ...keys.transaction('CP-1', 7),
        entity: 'transaction',
        chargerId: 'CP-1',
        transactionId: 7,
        operatorId: 'op-1',
        status: 'stopped',
        flags: new Set(['start-missing']),
        meterStop: 11_000,
        stoppedAt: '2026-03-02T08:20:00.000Z',
        chargeVersion: 4,
        aggregate,
        finaliseDueAt: 120,
        preAuthAmountMinor: 2000,
      },
    });
    const tx = await repo.load(KEY);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: keys.transaction('CP-1', 7),
      ConsistentRead: true,
    });
    expect(tx).toEqual({
      chargerId: 'CP-1',
      transactionId: 7,
      operatorId: 'op-1',
      status: 'stopped',
      flags: ['start-missing'],
      meterStop: 11_000,
      stoppedAt: '2026-03-02T08:20:00.000Z',
      preAuthAmountMinor: 2000,
      charge: { chargeVersion: 4, aggregate, finaliseDueAt: 120 },
    });
  });

  it('writes a charge without a timer as one UpdateItem on the transaction item', async () => {
    ddb.on(UpdateCommand).resolves({});
    expect(await repo.saveCharge(KEY, 0, { ...update, addFlags: ['no-tariff'] })).toBe('saved');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toEqual(keys.transaction('CP-1', 7));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('writes the timer in the same transaction when the finaliser must look at a new time', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect(await repo.saveCharge(KEY, 3, { ...update, finaliseDueAt: 1_772_439_722 }, 1_772_439_722)).toBe(
      'saved',
    );
    const [first, second] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(first!.Update!.Key).toEqual(keys.transaction('CP-1', 7));
    expect(second!.Put!.Item).toEqual({
      ...keys.chargeTimer(1_772_439_722, 'CP-1', 7),
      entity: 'chargeTimer',
      chargerId: 'CP-1',
      transactionId: 7,
      dueAt: 1_772_439_722,
      expiresAt: 1_772_439_722 + 30 * 24 * 3600,
    });
  });

  it('answers conflict when it loses a race, and rethrows anything else', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }));
    expect(await repo.saveCharge(KEY, 1, update)).toBe('conflict');
    ddb.on(TransactWriteCommand).rejectsOnce(
      Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    expect(await repo.saveCharge(KEY, 1, update, 5)).toBe('conflict');
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(repo.saveCharge(KEY, 1, update)).rejects.toThrow('slow down');
  });

  it('finalises in one transaction: charge and status, outbox event, timer removal', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const event = {
      type: 'charge-finalised',
      eventId: 'charge-finalised:CP-1#7',
      chargerId: 'CP-1',
      transactionId: 7,
      operatorId: 'op-1',
      finalisedAt: '2026-03-02T08:22:00.000Z',
      reason: 'settled',
      charge: null,
      energyMilliWh: 5,
      stillRunning: false,
    } satisfies ChargeFinalisedEvent;
    const outcome = await repo.finalise(
      KEY,
      6,
      { finalisedAt: event.finalisedAt, reason: 'settled', energyMilliWh: 5, markFinal: true, event },
      { key: KEY, dueAt: 100 },
    );
    expect(outcome).toBe('finalised');
    const [tx, outbox, timer] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(tx!.Update!.Key).toEqual(keys.transaction('CP-1', 7));
    expect(outbox!.Put).toMatchObject({
      Item: {
        ...keys.outbox('charge-finalised', event.finalisedAt, 'CP-1', 7),
        entity: 'outbox',
        topic: 'charge-finalised',
        eventId: 'charge-finalised:CP-1#7',
        charge: null,
        // Kept 30 days after the finalisation (epoch seconds, the table's TTL).
        expiresAt: Date.parse(event.finalisedAt) / 1000 + 30 * 24 * 3600,
      },
    });
    expect(timer!.Delete!.Key).toEqual(keys.chargeTimer(100, 'CP-1', 7));
  });

  it('names a discrepancy by its whole message id (dots and all): one map key, not a path', async () => {
    ddb.on(UpdateCommand).resolves({});
    const entry = { kind: 'sample-after-final', messageId: 'a.b', receivedAt: 'x', samples: 1 } as const;
    await repo.recordAfterFinal(KEY, { 'a.b': entry }, true, ['sample-after-final']);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(Object.values(input.ExpressionAttributeNames ?? {})).toContain('a.b');
  });

  it('finds due timers with one query per shard, never a scan', async () => {
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items:
        input.ExpressionAttributeValues[':pk'] === chargeTimerPartition(1)
          ? [{ chargerId: 'CP-2', transactionId: 3, dueAt: 90 }]
          : input.ExpressionAttributeValues[':pk'] === chargeTimerPartition(2)
            ? [{ chargerId: 'CP-1', transactionId: 7, dueAt: 80 }]
            : [],
    }));
    expect(await repo.dueTimers(100, 10)).toEqual([
      { key: { chargerId: 'CP-1', transactionId: 7 }, dueAt: 80 },
      { key: { chargerId: 'CP-2', transactionId: 3 }, dueAt: 90 },
    ]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(CHARGE_TIMER_SHARDS);
    expect(calls.map((c) => c.ExpressionAttributeValues?.[':pk']).sort()).toEqual(
      chargeTimerPartitions().sort(),
    );
    expect(calls.every((c) => c.ConsistentRead === true && c.Limit === 10)).toBe(true);
  });

  it('moves a timer atomically and deletes one', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    await repo.rescheduleTimer({ key: KEY, dueAt: 100 }, 2, 160);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(items.map((i) => Object.keys(i)[0])).toEqual(['Update', 'Put', 'Delete']);
    expect(items[1]!.Put!.Item).toMatchObject(keys.chargeTimer(160, 'CP-1', 7));
    expect(items[2]!.Delete!.Key).toEqual(keys.chargeTimer(100, 'CP-1', 7));
    await repo.deleteTimer({ key: KEY, dueAt: 100 });
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(keys.chargeTimer(100, 'CP-1', 7));
  });
});
