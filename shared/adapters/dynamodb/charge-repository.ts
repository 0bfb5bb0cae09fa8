/**
 * The ChargeRepository over the platform table.
 *
 * Attributes pricing owns on the transaction item (`TX#<chargerId>#<txId>` / `TX`), written only by
 * UpdateItem on these attributes (OCPP and payments own the rest; see ports/transactions.ts):
 * - `chargeVersion` (number): +1 on every pricing write; every write is conditional on it;
 * - `aggregate` (map): the bounded running aggregate of the samples (domain/charge-aggregate.ts);
 * - `charge` (map): the priced session (domain/pricing.ts `Charge`), absent without a tariff;
 * - `energyMilliWh`, `lastSampleReceivedAt`, `stopReceivedAt`, `finaliseDueAt` (numbers, epoch s);
 * - `costCap` (map, written once: `attribute_not_exists(costCap)`, or again to retry a stop whose send failed);
 * - `finalisedAt`, `finalReason`, `discrepancies` (map keyed by message id), `status = 'final'`;
 * - `chargeFlags` (string set, `ADD` only): `no-tariff`, `tariff-invalid`, `unusable-energy-values`,
 *   `sample-after-final` (OCPP's `flags` set is left to OCPP).
 * Other items: finaliser timers (keys.chargeTimer) and the outbox (keys.outbox), see finalise.ts.
 */
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ChargeAggregate } from '../../domain/charge-aggregate.js';
import type { Charge } from '../../domain/pricing.js';
import type {
  ChargeRepository,
  ChargeState,
  ChargeTimer,
  ChargeUpdate,
  CostCapRecord,
  Discrepancy,
  Finalisation,
  MeterMessage,
  PricedTransaction,
  TxKey,
} from '../../ports/charges.js';
import type { TransactionStatus } from '../../ports/transactions.js';
import { CHARGE_TIMER_SHARDS, chargeTimerPartition, epochSortKey, keys } from './keys.js';
import { fromStringSet, isConditionalCheckFailed, type TableContext } from './support.js';

/** Timers and outbox items are deleted when done; TTL removes any left behind after this long. */
const LEFTOVER_TTL_SECONDS = 30 * 24 * 3600;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The pricing view of a transaction item. */
export function toPricedTransaction(item: Record<string, unknown>): PricedTransaction {
  const charge: ChargeState = withoutUndefined({
    chargeVersion: num(item.chargeVersion) ?? 0,
    aggregate: item.aggregate as ChargeAggregate | undefined,
    charge: item.charge as Charge | undefined,
    energyMilliWh: num(item.energyMilliWh),
    lastSampleReceivedAt: num(item.lastSampleReceivedAt),
    stopReceivedAt: num(item.stopReceivedAt),
    finaliseDueAt: num(item.finaliseDueAt),
    costCap: item.costCap as CostCapRecord | undefined,
    finalisedAt: str(item.finalisedAt),
    finalReason: str(item.finalReason) as ChargeState['finalReason'],
    discrepancies: item.discrepancies as Record<string, Discrepancy> | undefined,
    chargeFlags: item.chargeFlags === undefined ? undefined : fromStringSet(item.chargeFlags),
  });
  return withoutUndefined({
    chargerId: item.chargerId as string,
    transactionId: item.transactionId as number,
    operatorId: item.operatorId as string,
    status: item.status as TransactionStatus,
    flags: fromStringSet(item.flags),
    meterStart: num(item.meterStart),
    startedAt: str(item.startedAt),
    meterStop: num(item.meterStop),
    stoppedAt: str(item.stoppedAt),
    stopMessageId: str(item.stopMessageId),
    createdAt: str(item.createdAt),
    updatedAt: str(item.updatedAt),
    tariffSnapshot: item.tariffSnapshot,
    preAuthAmountMinor: num(item.preAuthAmountMinor),
    holdExpiresAt: num(item.holdExpiresAt),
    charge,
  });
}

/** Builds UpdateExpressions with placeholders for every name (no reserved-word surprises). */
class Expression {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly conditions: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** A document path (`costCap.status`): one placeholder per part. */
  name(path: string): string {
    return path
      .split('.')
      .map((part) => this.part(part))
      .join('.');
  }
  /** One attribute or map key, taken literally (a message id may contain dots). */
  part(name: string): string {
    const existing = Object.entries(this.names).find(([, v]) => v === name)?.[0];
    if (existing) return existing;
    const placeholder = `#n${this.n++}`;
    this.names[placeholder] = name;
    return placeholder;
  }
  value(v: unknown): string {
    const placeholder = `:v${this.n++}`;
    this.values[placeholder] = v;
    return placeholder;
  }
  set(path: string, v: unknown): this {
    this.sets.push(`${this.name(path)} = ${this.value(v)}`);
    return this;
  }
  setRaw(clause: string): this {
    this.sets.push(clause);
    return this;
  }
  remove(path: string): this {
    this.removes.push(this.name(path));
    return this;
  }
  add(path: string, v: unknown): this {
    this.adds.push(`${this.name(path)} ${this.value(v)}`);
    return this;
  }
  when(condition: string): this {
    this.conditions.push(condition);
    return this;
  }
  update(): string {
    return [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length ? `REMOVE ${this.removes.join(', ')}` : '',
      this.adds.length ? `ADD ${this.adds.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
  condition(): string | undefined {
    return this.conditions.length ? this.conditions.join(' AND ') : undefined;
  }
  /** Only what the expressions use (DynamoDB rejects unused placeholders). */
  params(): {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const condition = this.condition();
    return {
      UpdateExpression: this.update(),
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** The version check every pricing write carries. */
function versionCondition(e: Expression, expectedVersion: number): void {
  e.when(`attribute_exists(${e.name('pk')})`);
  e.when(`attribute_not_exists(${e.name('finalisedAt')})`);
  e.when(
    expectedVersion === 0
      ? `attribute_not_exists(${e.name('chargeVersion')})`
      : `${e.name('chargeVersion')} = ${e.value(expectedVersion)}`,
  );
  e.set('chargeVersion', expectedVersion + 1);
}

/** A conditional write lost: to a condition or to a concurrent transaction on the same item. */
function lostRace(err: unknown): boolean {
  if (isConditionalCheckFailed(err)) return true;
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name === 'TransactionConflictException') return true;
  if (e?.name !== 'TransactionCanceledException') return false;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict');
}

export class DynamoChargeRepository implements ChargeRepository {
  constructor(private readonly t: TableContext) {}

  async load(key: TxKey): Promise<PricedTransaction | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.tableName,
        Key: keys.transaction(key.chargerId, key.transactionId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toPricedTransaction(out.Item) : undefined;
  }

  async meterMessagesOf(key: TxKey): Promise<MeterMessage[]> {
    const { pk } = keys.transaction(key.chargerId, key.transactionId);
    const messages: MeterMessage[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :mv)',
          ProjectionExpression: '#id, #source, #mv, #received',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#sk': 'sk',
            '#id': 'messageId',
            '#source': 'source',
            '#mv': 'meterValue',
            '#received': 'receivedAt',
          },
          ExpressionAttributeValues: { ':pk': pk, ':mv': 'MV#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) messages.push(item as MeterMessage);
      start = out.LastEvaluatedKey;
    } while (start);
    return messages;
  }

  async saveCharge(
    key: TxKey,
    expectedVersion: number,
    update: ChargeUpdate,
    timerDueAt?: number,
  ): Promise<'saved' | 'conflict'> {
    const e = new Expression();
    versionCondition(e, expectedVersion);
    e.set('aggregate', update.aggregate).set('energyMilliWh', update.energyMilliWh);
    if (update.charge) e.set('charge', update.charge);
    if (update.lastSampleReceivedAt !== undefined) e.set('lastSampleReceivedAt', update.lastSampleReceivedAt);
    if (update.stopReceivedAt !== undefined) e.set('stopReceivedAt', update.stopReceivedAt);
    if (update.finaliseDueAt !== undefined) e.set('finaliseDueAt', update.finaliseDueAt);
    if (update.costCap) {
      // Claimed once, or claimed again to retry a stop that could not be sent.
      e.when(
        `(attribute_not_exists(${e.name('costCap')}) OR ${e.name('costCap.status')} = ${e.value('send-failed')})`,
      );
      e.set('costCap', update.costCap);
    }
    if (update.addFlags.length > 0) e.add('chargeFlags', new Set(update.addFlags));
    const txUpdate = {
      TableName: this.t.tableName,
      Key: keys.transaction(key.chargerId, key.transactionId),
      ...e.params(),
    };
    try {
      if (timerDueAt === undefined) await this.t.doc.send(new UpdateCommand(txUpdate));
      else {
        await this.t.doc.send(
          new TransactWriteCommand({ TransactItems: [{ Update: txUpdate }, this.putTimer(key, timerDueAt)] }),
        );
      }
      return 'saved';
    } catch (err) {
      if (lostRace(err)) return 'conflict';
      throw err;
    }
  }

  async recordCostCapOutcome(
    key: TxKey,
    outcome: Pick<CostCapRecord, 'status' | 'messageId' | 'error'>,
  ): Promise<void> {
    const e = new Expression();
    e.when(`attribute_exists(${e.name('costCap')})`);
    e.set('costCap.status', outcome.status);
    if (outcome.messageId !== undefined) e.set('costCap.messageId', outcome.messageId);
    if (outcome.error !== undefined) e.set('costCap.error', outcome.error);
    await this.t.doc.send(
      new UpdateCommand({
        TableName: this.t.tableName,
        Key: keys.transaction(key.chargerId, key.transactionId),
        ...e.params(),
      }),
    );
  }

  async recordAfterFinal(
    key: TxKey,
    entries: Record<string, Discrepancy>,
    markFinal: boolean,
    addFlags: string[],
  ): Promise<'saved' | 'not-final'> {
    const e = new Expression();
    e.when(`attribute_exists(${e.name('finalisedAt')})`);
    const map = e.name('discrepancies');
    for (const [id, entry] of Object.entries(entries)) {
      const path = `${map}.${e.part(id)}`;
      e.setRaw(`${path} = if_not_exists(${path}, ${e.value(entry)})`);
    }
    if (markFinal) {
      e.when(`${e.name('status')} = ${e.value('stopped')}`);
      e.set('status', 'final');
    }
    if (addFlags.length > 0) e.add('chargeFlags', new Set(addFlags));
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(key.chargerId, key.transactionId),
          ...e.params(),
        }),
      );
      return 'saved';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-final';
      throw err;
    }
  }

  async dueTimers(now: number, limit: number): Promise<ChargeTimer[]> {
    const upper = epochSortKey(now + 1);
    const shards = await Promise.all(
      Array.from({ length: CHARGE_TIMER_SHARDS }, async (_, shard) => {
        const out = await this.t.doc.send(
          new QueryCommand({
            TableName: this.t.tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :upper',
            ExpressionAttributeValues: { ':pk': chargeTimerPartition(shard), ':upper': upper },
            Limit: limit,
            ConsistentRead: true,
          }),
        );
        return (out.Items ?? []).map(
          (item): ChargeTimer => ({
            key: { chargerId: item.chargerId as string, transactionId: item.transactionId as number },
            dueAt: item.dueAt as number,
          }),
        );
      }),
    );
    return shards
      .flat()
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
  }

  async deleteTimer(timer: ChargeTimer): Promise<void> {
    await this.t.doc.send(
      new DeleteCommand({
        TableName: this.t.tableName,
        Key: keys.chargeTimer(timer.dueAt, timer.key.chargerId, timer.key.transactionId),
      }),
    );
  }

  async rescheduleTimer(
    timer: ChargeTimer,
    expectedVersion: number,
    dueAt: number | null,
  ): Promise<'saved' | 'conflict'> {
    const e = new Expression();
    versionCondition(e, expectedVersion);
    if (dueAt === null) e.remove('finaliseDueAt');
    else e.set('finaliseDueAt', dueAt);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.t.tableName,
          Key: keys.transaction(timer.key.chargerId, timer.key.transactionId),
          ...e.params(),
        },
      },
    ];
    if (dueAt !== timer.dueAt) {
      if (dueAt !== null) items.push(this.putTimer(timer.key, dueAt));
      items.push(this.deleteTimerItem(timer));
    }
    try {
      await this.t.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'saved';
    } catch (err) {
      if (lostRace(err)) return 'conflict';
      throw err;
    }
  }

  async finalise(
    key: TxKey,
    expectedVersion: number,
    f: Finalisation,
    timer?: ChargeTimer,
  ): Promise<'finalised' | 'conflict'> {
    const e = new Expression();
    versionCondition(e, expectedVersion);
    e.when(`${e.name('status')} = ${e.value(f.markFinal ? 'stopped' : 'active')}`);
    e.set('finalisedAt', f.finalisedAt).set('finalReason', f.reason).set('energyMilliWh', f.energyMilliWh);
    if (f.charge) e.set('charge', f.charge);
    if (f.markFinal) e.set('status', 'final');
    const discrepancies = e.name('discrepancies');
    e.setRaw(`${discrepancies} = if_not_exists(${discrepancies}, ${e.value({})})`);
    e.remove('finaliseDueAt');
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.t.tableName,
          Key: keys.transaction(key.chargerId, key.transactionId),
          ...e.params(),
        },
      },
      {
        Put: {
          TableName: this.t.tableName,
          Item: {
            ...keys.outbox('charge-finalised', f.finalisedAt, key.chargerId, key.transactionId),
            entity: 'outbox',
            topic: 'charge-finalised',
            ...f.event,
            expiresAt: Math.floor(Date.parse(f.finalisedAt) / 1000) + LEFTOVER_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (timer) items.push(this.deleteTimerItem(timer));
    try {
      await this.t.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'finalised';
    } catch (err) {
      if (lostRace(err)) return 'conflict';
      throw err;
    }
  }

  private putTimer(key: TxKey, dueAt: number): TransactItem {
    return {
      Put: {
        TableName: this.t.tableName,
        Item: {
          ...keys.chargeTimer(dueAt, key.chargerId, key.transactionId),
          entity: 'chargeTimer',
          chargerId: key.chargerId,
          transactionId: key.transactionId,
          dueAt,
          expiresAt: dueAt + LEFTOVER_TTL_SECONDS,
        },
      },
    };
  }

  private deleteTimerItem(timer: ChargeTimer): TransactItem {
    return {
      Delete: {
        TableName: this.t.tableName,
        Key: keys.chargeTimer(timer.dueAt, timer.key.chargerId, timer.key.transactionId),
      },
    };
  }
}
