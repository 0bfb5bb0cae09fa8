/** The DynamoDB ChargeRepository: the requests it sends (aws-sdk-client-mock), and how it reads answers. */
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
import { CHARGE_TIMER_SHARDS, chargeTimerShard, keys } from '../../../shared/adapters/dynamodb/keys.js';
import { initAggregate } from '../../../shared/domain/charge-aggregate.js';
import type { ChargeFinalisedEvent, ChargeUpdate } from '../../../shared/ports/charges.js';
import { at, DEMO_TARIFF } from '../../fixtures/builders/pricing.js';
import { KEY } from './support.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const ddb = mockClient(doc);
const repo = new DynamoChargeRepository({ doc, tableName: 'platform' });

interface Expr {
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** An expression with its placeholders substituted, so that tests read like DynamoDB documentation. */
function readable(e: Expr, field: 'UpdateExpression' | 'ConditionExpression'): string {
  let text = e[field] ?? '';
  for (const [k, v] of Object.entries(e.ExpressionAttributeNames ?? {}))
    text = text.replaceAll(new RegExp(`${k}\\b`, 'g'), v);
  for (const [k, v] of Object.entries(e.ExpressionAttributeValues ?? {})) {
    const shown =
      v instanceof Set ? `<<${[...v].join(',')}>>` : typeof v === 'object' ? '{…}' : JSON.stringify(v);
    text = text.replaceAll(new RegExp(`${k}\\b`, 'g'), shown);
  }
  return text;
}

const aggregate = initAggregate({
  tariff: DEMO_TARIFF,
  startedAt: at('2026-03-02T08:00:00Z'),
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
      Key: { pk: 'TX#CP-1#7', sk: 'TX' },
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

  it('writes a first charge with one UpdateItem conditional on there being no version yet', async () => {
    ddb.on(UpdateCommand).resolves({});
    expect(await repo.saveCharge(KEY, 0, { ...update, addFlags: ['no-tariff'] })).toBe('saved');
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'TX#CP-1#7', sk: 'TX' });
    expect(readable(input, 'ConditionExpression')).toBe(
      'attribute_exists(pk) AND attribute_not_exists(finalisedAt) AND attribute_not_exists(chargeVersion)',
    );
    expect(readable(input, 'UpdateExpression')).toBe(
      'SET chargeVersion = 1, aggregate = {…}, energyMilliWh = 0, lastSampleReceivedAt = 100 ADD chargeFlags <<no-tariff>>',
    );
  });

  it('writes the timer in the same transaction when the finaliser must look at a new time', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect(await repo.saveCharge(KEY, 3, { ...update, finaliseDueAt: 1_772_439_722 }, 1_772_439_722)).toBe(
      'saved',
    );
    const [first, second] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(readable(first!.Update!, 'ConditionExpression')).toContain('chargeVersion = 3');
    expect(second!.Put!.Item).toEqual({
      pk: `SETTLE#${chargeTimerShard('CP-1', 7)}`,
      sk: '001772439722#CP-1#7',
      entity: 'chargeTimer',
      chargerId: 'CP-1',
      transactionId: 7,
      dueAt: 1_772_439_722,
      expiresAt: 1_772_439_722 + 30 * 24 * 3600,
    });
  });

  it('claims the cost cap only if none is recorded', async () => {
    ddb.on(UpdateCommand).resolves({});
    await repo.saveCharge(KEY, 2, {
      ...update,
      costCap: {
        stoppedAt: '2026-03-02T08:30:00.000Z',
        reason: 'projected-over-limit',
        projectedGrossMinor: 460,
        limitMinor: 450,
        preAuthAmountMinor: 500,
        status: 'requested',
      },
    });
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(readable(input, 'ConditionExpression')).toContain('attribute_not_exists(costCap)');
    expect(readable(input, 'UpdateExpression')).toContain('costCap = {…}');
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
    expect(readable(tx!.Update!, 'ConditionExpression')).toBe(
      'attribute_exists(pk) AND attribute_not_exists(finalisedAt) AND chargeVersion = 6 AND status = "stopped"',
    );
    expect(readable(tx!.Update!, 'UpdateExpression')).toBe(
      'SET chargeVersion = 7, finalisedAt = "2026-03-02T08:22:00.000Z", finalReason = "settled", energyMilliWh = 5, status = "final", discrepancies = if_not_exists(discrepancies, {…}) REMOVE finaliseDueAt',
    );
    expect(outbox!.Put).toMatchObject({
      Item: {
        pk: 'OUTBOX#charge-finalised',
        sk: '2026-03-02T08:22:00.000Z#CP-1#7',
        entity: 'outbox',
        topic: 'charge-finalised',
        eventId: 'charge-finalised:CP-1#7',
        charge: null,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(timer!.Delete!.Key).toEqual({
      pk: `SETTLE#${chargeTimerShard('CP-1', 7)}`,
      sk: '000000000100#CP-1#7',
    });
  });

  it('records discrepancies under their message ids (dots and all) without overwriting', async () => {
    ddb.on(UpdateCommand).resolves({});
    const entry = { kind: 'sample-after-final', messageId: 'a.b', receivedAt: 'x', samples: 1 } as const;
    await repo.recordAfterFinal(KEY, { 'a.b': entry }, true, ['sample-after-final']);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(readable(input, 'UpdateExpression')).toBe(
      'SET discrepancies.a.b = if_not_exists(discrepancies.a.b, {…}), status = "final" ADD chargeFlags <<sample-after-final>>',
    );
    // One placeholder for the whole id: DynamoDB sees one map key, not a path.
    expect(Object.values(input.ExpressionAttributeNames ?? {})).toContain('a.b');
    expect(readable(input, 'ConditionExpression')).toBe(
      'attribute_exists(finalisedAt) AND status = "stopped"',
    );
  });

  it('finds due timers with one query per shard, never a scan', async () => {
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items:
        input.ExpressionAttributeValues[':pk'] === 'SETTLE#1'
          ? [{ chargerId: 'CP-2', transactionId: 3, dueAt: 90 }]
          : input.ExpressionAttributeValues[':pk'] === 'SETTLE#2'
            ? [{ chargerId: 'CP-1', transactionId: 7, dueAt: 80 }]
            : [],
    }));
    expect(await repo.dueTimers(100, 10)).toEqual([
      { key: { chargerId: 'CP-1', transactionId: 7 }, dueAt: 80 },
      { key: { chargerId: 'CP-2', transactionId: 3 }, dueAt: 90 },
    ]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(CHARGE_TIMER_SHARDS);
    expect(calls[0]).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk < :upper',
      ExpressionAttributeValues: { ':pk': 'SETTLE#0', ':upper': '000000000101' },
    });
  });

  it('moves a timer atomically and deletes one', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    await repo.rescheduleTimer({ key: KEY, dueAt: 100 }, 2, 160);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(items.map((i) => Object.keys(i)[0])).toEqual(['Update', 'Put', 'Delete']);
    expect(readable(items[0]!.Update!, 'UpdateExpression')).toBe(
      'SET chargeVersion = 3, finaliseDueAt = 160',
    );
    await repo.deleteTimer({ key: KEY, dueAt: 100 });
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(keys.chargeTimer(100, 'CP-1', 7));
  });
});
