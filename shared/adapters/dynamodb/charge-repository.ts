/**
 * The ChargeRepository over the platform table.
 *
 * Attributes pricing owns on the transaction item (keys.transaction), written only by
 * UpdateItem on these attributes (OCPP and payments own the rest; see ports/transactions.ts):
 * - `chargeVersion` (number): +1 on every pricing write; every write is conditional on it;
 * - `aggregate` (map): the bounded running aggregate of the samples (domain/charge-aggregate.ts);
 * - `charge` (map): the priced session (domain/pricing.ts `Charge`), absent without a tariff;
 * - `energyMilliWh`, `lastSampleReceivedAt`, `stopReceivedAt`, `finaliseDueAt` (numbers, epoch s);
 * - `costCap` (map, written once: `attribute_not_exists(costCap)`, or again to retry a stop whose send failed);
 * - `finalisedAt`, `finalReason`, `discrepancies` (map keyed by the meter message's content identity; older entries by message id), `status = 'final'`;
 * - `chargeFlags` (string set, `ADD` only): `no-tariff`, `tariff-invalid`, `unusable-energy-values`,
 *   `sample-after-final`, `pricing-input-invalid` (OCPP's `flags` set is left to OCPP).
 * Other items, written in the same transactions: finaliser timers (charge-timers.ts) and the outbox
 * (charge-outbox.ts), see app/pricing/finalise.ts.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
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
import type { MeterMessageFlag, TransactionBilledTo, TransactionStatus } from '../../ports/transactions.js';
import { chargeFinalisedPut } from './charge-outbox.js';
import { DynamoChargeTimers, type TransactItem } from './charge-timers.js';
import {
  gsi2,
  gsi4,
  keyOf,
  keys,
  OPEN_TRANSACTION_SHARDS,
  openTransactionPartition,
  queries,
  REPRICE_DUE,
  transactionItemScan,
} from './keys.js';
import { flagMeterValuesUpdate, meterMessageProjection, toMeterMessage } from './meter-values-items.js';
import {
  beginsWith,
  Expression,
  fromStringSet,
  getItem,
  isConditionalCheckFailed,
  lostRace,
  putIfAbsent,
  queryAll,
  type TableContext,
} from './support.js';

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
    billedTo: item.billedTo as TransactionBilledTo | undefined,
    charge,
  });
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
  // Every write of the recompute's goes through here: without the mark its own write reaches no
  // invocation of it (stream-filters.ts).
  e.remove(REPRICE_DUE);
}

/** The migration that gives transactions stored before gsi2 existed their open-transaction entry. */
export const OPEN_TRANSACTIONS_MIGRATION = 'open-transaction-index';

/** The move of open transactions' entries from gsi2 (projects everything) to gsi4 (keys only). */
export const OPEN_TRANSACTION_KEYS_MIGRATION = 'open-transaction-keys-gsi4';

/**
 * How long after the move is recorded done the sweep still passes over gsi2's open partitions.
 * While a deploy rolls out, a function still running the code from before gsi4 can open a
 * transaction on gsi2 after the move reached gsi2's end; Lambda serves new invocations from the new
 * code once the update is done and an old invocation lasts at most 15 minutes, so a day covers the
 * rollout with room to spare. The passes in that day cost one empty query per partition.
 */
export const OPEN_TRANSACTION_MOVE_GRACE_MS = 24 * 60 * 60 * 1000;

/** A place in the open-transaction listing: an index, one of its partitions, where a query stopped. */
interface OpenListPosition {
  index: 'gsi2' | 'gsi4';
  shard: number;
  key?: Record<string, unknown>;
}

/**
 * The position a cursor names, or undefined for a Scan cursor (a table key) or none. Cursors
 * written before gsi4 (`{ shard, key }`) name a place on gsi2.
 */
function openListPosition(parsed: Record<string, unknown>): OpenListPosition | undefined {
  if (typeof parsed.shard !== 'number') return undefined;
  const key = parsed.key as Record<string, unknown> | undefined;
  return { index: parsed.index === 'gsi4' ? 'gsi4' : 'gsi2', shard: parsed.shard, ...(key ? { key } : {}) };
}

const txKeysOf = (items: Record<string, unknown>[] | undefined): TxKey[] => {
  const found: TxKey[] = [];
  for (const item of items ?? []) {
    const chargerId = str(item.chargerId);
    const transactionId = num(item.transactionId);
    if (chargerId !== undefined && transactionId !== undefined) found.push({ chargerId, transactionId });
  }
  return found;
};

export class DynamoChargeRepository implements ChargeRepository {
  private readonly timers: DynamoChargeTimers;
  /** Set once the move to gsi4 is seen done and past its grace: it never becomes undone. */
  private indexed = false;
  /** Set once the move to gsi4 is seen recorded: passes in its grace day need not record it again. */
  private moveRecorded = false;

  constructor(
    private readonly t: TableContext,
    private readonly now: () => number = Date.now,
  ) {
    this.timers = new DynamoChargeTimers(t);
  }

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
    const condition = beginsWith(queries.meterValues(key.chargerId, key.transactionId));
    const projection = meterMessageProjection();
    const { items } = await queryAll(this.t, {
      ...condition,
      ...projection,
      ExpressionAttributeNames: {
        ...condition.ExpressionAttributeNames,
        ...projection.ExpressionAttributeNames,
      },
      ConsistentRead: true,
    });
    return items.map(toMeterMessage).filter((m): m is MeterMessage => m !== undefined);
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
          new TransactWriteCommand({
            TransactItems: [{ Update: txUpdate }, this.timers.putItem(key, timerDueAt)],
          }),
        );
      }
      return 'saved';
    } catch (err) {
      if (lostRace(err)) return 'conflict';
      throw err;
    }
  }

  async flagCharge(key: TxKey, addFlags: string[]): Promise<void> {
    if (addFlags.length === 0) return;
    const e = new Expression();
    e.when(`attribute_exists(${e.name('pk')})`);
    e.add('chargeFlags', new Set(addFlags));
    try {
      await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: keys.transaction(key.chargerId, key.transactionId),
          ...e.params(),
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async flagMeterMessage(
    key: TxKey,
    message: MeterMessage,
    flags: readonly MeterMessageFlag[],
  ): Promise<void> {
    if (flags.length === 0) return;
    try {
      await this.t.doc.send(
        new UpdateCommand(
          flagMeterValuesUpdate(this.t.tableName, key.chargerId, key.transactionId, message, flags),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
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
    // Named only when used: DynamoDB rejects a placeholder no expression uses (no entries: just the status).
    for (const [id, entry] of Object.entries(entries)) {
      const path = `${e.name('discrepancies')}.${e.part(id)}`;
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

  /**
   * One page of the open-transaction index (gsi4, sparse: only transactions whose charge is not
   * final carry it), shard after shard; the cursor names the index, the shard and where its query
   * stopped.
   *
   * Two one-time passes bring older tables there, each spread over the sweep's ordinary bounded
   * runs and idempotent if two runs overlap, each recorded done by a migration item:
   * - Transactions stored before any index (no OPEN_TRANSACTIONS_MIGRATION): each page is a Scan
   *   page, as the sweep read the table before, that gives every unfinalised transaction it finds
   *   its gsi4 entry; the pass that reaches the end of the table records both migrations done.
   * - Transactions stored while open ones were listed on gsi2 (projects every attribute, so every
   *   update of an open transaction was written there too): the pass pages through gsi2's open
   *   partitions, moving each entry to gsi4 as it lists it, then goes on to gsi4 (where what it
   *   moved is listed again: a second fold finds nothing to change). Reaching gsi2's end records
   *   OPEN_TRANSACTION_KEYS_MIGRATION done.
   * A transaction opened by a function still running the code before gsi4 while a deploy rolls out
   * can land on gsi2 after the move reached its end: for OPEN_TRANSACTION_MOVE_GRACE_MS after the
   * move is recorded done, every pass still goes over gsi2 first and moves what it finds.
   */
  async unfinalisedTransactions(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ keys: TxKey[]; cursor?: string }> {
    const parsed = cursor ? (JSON.parse(cursor) as Record<string, unknown>) : {};
    const position = openListPosition(parsed);
    const stage = await this.openListStage();
    if (stage === 'scan') return this.scanAndIndexPage(position ? undefined : parsed, limit);
    // Cursors kept from before gsi4 name a place on gsi2; once the move is done nothing is left there.
    const at: OpenListPosition =
      position && (stage === 'move' || position.index === 'gsi4')
        ? position
        : { index: stage === 'move' ? 'gsi2' : 'gsi4', shard: 0 };
    return this.openTransactionsPage(at, limit);
  }

  /** Where older tables stand on the way to gsi4 (see `unfinalisedTransactions`). */
  private async openListStage(): Promise<'scan' | 'move' | 'indexed'> {
    if (this.indexed) return 'indexed';
    const read = (name: string) => getItem(this.t, keys.migration(name));
    const moved = await read(OPEN_TRANSACTION_KEYS_MIGRATION);
    if (moved) {
      this.moveRecorded = true;
      // Recorded before the grace existed (no time on it): that rollout is long over.
      const recordedAt = typeof moved.recordedAt === 'number' ? moved.recordedAt : 0;
      if (this.now() - recordedAt < OPEN_TRANSACTION_MOVE_GRACE_MS) return 'move';
      this.indexed = true;
      return 'indexed';
    }
    return (await read(OPEN_TRANSACTIONS_MIGRATION)) ? 'move' : 'scan';
  }

  /**
   * One page of the open-transaction listing. An empty gsi2 partition (the move done, passed over
   * in its grace day) takes none of the sweep's pages: the next partition is read in the same call.
   */
  private async openTransactionsPage(
    at: OpenListPosition,
    limit: number,
  ): Promise<{ keys: TxKey[]; cursor?: string }> {
    let position = at;
    for (;;) {
      const { found, next } = await this.openPartitionQuery(position, limit);
      if (found.length > 0 || next === undefined || position.index !== 'gsi2')
        return { keys: found, ...(next ? { cursor: JSON.stringify(next) } : {}) };
      position = next;
    }
  }

  /** One query of one open-transaction partition; on gsi2, what it lists moves to gsi4. */
  private async openPartitionQuery(
    at: OpenListPosition,
    limit: number,
  ): Promise<{ found: TxKey[]; next?: OpenListPosition }> {
    const legacy = at.index === 'gsi2';
    const out = await this.t.doc.send(
      new QueryCommand({
        TableName: this.t.tableName,
        IndexName: at.index,
        KeyConditionExpression: `${at.index}pk = :pk`,
        // gsi4 holds keys only: a finalised transaction's entry leaves in the write that finalises
        // it, and one a stale replica still shows is loaded and found final by the sweep.
        ...(legacy
          ? {
              FilterExpression: 'attribute_not_exists(finalisedAt)',
              ProjectionExpression: 'pk, sk, gsi2pk, gsi2sk',
            }
          : {}),
        ExpressionAttributeValues: { ':pk': openTransactionPartition(at.shard) },
        Limit: limit,
        ...(at.key ? { ExclusiveStartKey: at.key } : {}),
      }),
    );
    const found: TxKey[] = [];
    for (const item of out.Items ?? []) {
      const key = keyOf.transactionOfPartition(String(item.pk));
      if (key === undefined) continue;
      found.push(key);
      if (legacy) await this.moveToKeysIndex(item);
    }
    let next: OpenListPosition | undefined;
    if (out.LastEvaluatedKey) next = { ...at, key: out.LastEvaluatedKey };
    else if (at.shard + 1 < OPEN_TRANSACTION_SHARDS) next = { index: at.index, shard: at.shard + 1 };
    else if (legacy) {
      if (!this.moveRecorded) await this.recordMigration(OPEN_TRANSACTION_KEYS_MIGRATION);
      next = { index: 'gsi4', shard: 0 };
    }
    return { found, ...(next ? { next } : {}) };
  }

  /** Moves an open transaction's gsi2 entry to gsi4 (same values), unless moved or finalised since. */
  private async moveToKeysIndex(item: Record<string, unknown>): Promise<void> {
    const e = new Expression();
    e.when(`${e.name('gsi2pk')} = ${e.value(item.gsi2pk)}`)
      .set('gsi4pk', item.gsi2pk)
      .set('gsi4sk', item.gsi2sk)
      .remove('gsi2pk')
      .remove('gsi2sk');
    try {
      await this.t.doc.send(
        new UpdateCommand({ TableName: this.t.tableName, Key: { pk: item.pk, sk: item.sk }, ...e.params() }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** Records a migration done, once: the first record's time stands (the grace counts from it). */
  private async recordMigration(name: string): Promise<void> {
    await putIfAbsent(this.t, { ...keys.migration(name), entity: 'migration', recordedAt: this.now() });
  }

  /** A Scan page (`Limit` caps the items read) that indexes the unfinalised transactions it finds. */
  private async scanAndIndexPage(
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<{ keys: TxKey[]; cursor?: string }> {
    const out = await this.t.doc.send(
      new ScanCommand({
        TableName: this.t.tableName,
        Limit: limit,
        ...(startKey && Object.keys(startKey).length > 0 ? { ExclusiveStartKey: startKey } : {}),
        FilterExpression: 'sk = :tx AND begins_with(pk, :txPartition) AND attribute_not_exists(finalisedAt)',
        ProjectionExpression: 'chargerId, transactionId, startedAt, stoppedAt, createdAt, gsi4pk',
        ExpressionAttributeValues: {
          ':tx': transactionItemScan.sk,
          ':txPartition': transactionItemScan.pkPrefix,
        },
      }),
    );
    const found = txKeysOf(out.Items);
    for (const item of out.Items ?? []) {
      const chargerId = str(item.chargerId);
      const transactionId = num(item.transactionId);
      const at = str(item.startedAt) ?? str(item.stoppedAt) ?? str(item.createdAt) ?? '';
      if (chargerId === undefined || transactionId === undefined || item.gsi4pk !== undefined) continue;
      const entry = gsi4.openTransaction(chargerId, transactionId, at);
      const e = new Expression();
      e.when(`attribute_exists(${e.name('pk')})`).when(`attribute_not_exists(${e.name('finalisedAt')})`);
      // One stored while gsi2 listed open transactions leaves it (see `unfinalisedTransactions`).
      e.set('gsi4pk', entry.gsi4pk).set('gsi4sk', entry.gsi4sk).remove('gsi2pk').remove('gsi2sk');
      try {
        await this.t.doc.send(
          new UpdateCommand({
            TableName: this.t.tableName,
            Key: keys.transaction(chargerId, transactionId),
            ...e.params(),
          }),
        );
      } catch (err) {
        // Finalised since the page was read: it needs no entry.
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    if (!out.LastEvaluatedKey) {
      await this.recordMigration(OPEN_TRANSACTIONS_MIGRATION);
      await this.recordMigration(OPEN_TRANSACTION_KEYS_MIGRATION);
    }
    return { keys: found, ...(out.LastEvaluatedKey ? { cursor: JSON.stringify(out.LastEvaluatedKey) } : {}) };
  }

  async loadReconcileCursor(): Promise<string | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.reconcileCursor() }),
    );
    return str(out.Item?.cursor);
  }

  async saveReconcileCursor(cursor: string | undefined): Promise<void> {
    const Key = keys.reconcileCursor();
    if (cursor === undefined) await this.t.doc.send(new DeleteCommand({ TableName: this.t.tableName, Key }));
    else await this.t.doc.send(new PutCommand({ TableName: this.t.tableName, Item: { ...Key, cursor } }));
  }

  async dueTimers(now: number, limit: number): Promise<ChargeTimer[]> {
    return this.timers.due(now, limit);
  }

  async deleteTimer(timer: ChargeTimer): Promise<void> {
    await this.timers.delete(timer);
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
      if (dueAt !== null) items.push(this.timers.putItem(timer.key, dueAt));
      items.push(this.timers.deleteItem(timer));
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
    // Final: off the reconciliation sweep's list (the sparse open-transaction index: gsi4, or gsi2
    // for one stored before gsi4 and not moved yet); a fleet's session moves to its fleet's
    // statement index on gsi2 (keys.ts).
    e.remove('finaliseDueAt').remove('gsi4pk').remove('gsi4sk');
    if (f.fleetSession) {
      const { operatorId, fleetId, startedAt } = f.fleetSession;
      const entry = gsi2.fleetSession(operatorId, fleetId, startedAt, key.chargerId, key.transactionId);
      e.set('gsi2pk', entry.gsi2pk).set('gsi2sk', entry.gsi2sk);
    } else {
      e.remove('gsi2pk').remove('gsi2sk');
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.t.tableName,
          Key: keys.transaction(key.chargerId, key.transactionId),
          ...e.params(),
        },
      },
      chargeFinalisedPut(this.t.tableName, key, f),
    ];
    if (timer) items.push(this.timers.deleteItem(timer));
    try {
      await this.t.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'finalised';
    } catch (err) {
      if (lostRace(err)) return 'conflict';
      throw err;
    }
  }
}
