/**
 * In-memory fakes of the pricing ports, with the DynamoDB adapter's semantics: every pricing write
 * is conditional on `chargeVersion` (a stale writer gets `conflict`), items are stored as JSON (so
 * a load returns fresh objects, as a GetItem does), and every call yields to the event loop so that
 * concurrent invocations interleave like Lambdas do. `reads` / `writes` count what would reach the
 * table.
 */
import type {
  ChargeFinalisedEvent,
  ChargeRepository,
  ChargerCommands,
  ChargeTimer,
  ChargeUpdate,
  CostCapRecord,
  Discrepancy,
  Finalisation,
  MeterMessage,
  PricedTransaction,
  TxKey,
} from '../../ports/charges.js';
import { PRICING_ATTRIBUTES } from '../../ports/charges.js';
import {
  type MeterMessageFlag,
  meterMessageIdentity,
  type TransactionRecord,
} from '../../ports/transactions.js';

type Item = Record<string, unknown>;

const txKey = (key: TxKey) => `${key.chargerId}#${key.transactionId}`;
const timerKey = (t: ChargeTimer) => `${String(t.dueAt).padStart(12, '0')}#${txKey(t.key)}`;
const stored = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The table, as far as pricing is concerned. */
export class MemoryChargeStore {
  readonly transactions = new Map<string, Item>();
  readonly meterMessages = new Map<string, Map<string, MeterMessage>>();
  /** OCPP's flags on stored meter messages, by transaction and message identity. */
  readonly meterMessageFlags = new Map<string, Set<MeterMessageFlag>>();
  readonly timers = new Map<string, ChargeTimer>();
  readonly outbox = new Map<string, ChargeFinalisedEvent>();
  reconcileCursor: string | undefined;
  reads = 0;
  writes = 0;

  /** OCPP's write of a new transaction. */
  putTransaction(tx: TransactionRecord): void {
    this.transactions.set(txKey(tx), stored(tx) as unknown as Item);
  }

  /** Another flow's UpdateItem on its own attributes (OCPP's stop, payments' pre-auth...). */
  patchTransaction(key: TxKey, fields: Item): void {
    const item = this.transactions.get(txKey(key));
    if (!item) throw new Error(`no transaction ${txKey(key)}`);
    Object.assign(item, stored(fields));
  }

  /** OCPP's write of a meter values item (pricing reads back only the MeterMessage attributes). */
  putMeterMessage(key: TxKey, message: MeterMessage): void {
    const messages = this.meterMessages.get(txKey(key)) ?? new Map<string, MeterMessage>();
    const { messageId, source, meterValue, receivedAt } = message;
    messages.set(messageId, stored({ messageId, source, meterValue, receivedAt }));
    this.meterMessages.set(txKey(key), messages);
  }

  /** The flags on a stored meter message (sorted), as the recompute left them. */
  flagsOf(key: TxKey, message: Pick<MeterMessage, 'source' | 'meterValue'>): MeterMessageFlag[] {
    return [...(this.meterMessageFlags.get(`${txKey(key)}#${meterMessageIdentity(message)}`) ?? [])].sort();
  }

  item(key: TxKey): Item | undefined {
    const item = this.transactions.get(txKey(key));
    return item ? stored(item) : undefined;
  }
}

/** What the adapter's pricing view reads of the other flows' attributes (PricedTransaction). */
const PRICED_INPUTS: readonly string[] = [
  'chargerId',
  'transactionId',
  'operatorId',
  'status',
  'flags',
  'meterStart',
  'startedAt',
  'meterStop',
  'stoppedAt',
  'stopMessageId',
  'createdAt',
  'updatedAt',
  'tariffSnapshot',
  'preAuthAmountMinor',
  'holdExpiresAt',
  'billedTo',
];

function toPriced(item: Item): PricedTransaction {
  const pricingFields: readonly string[] = PRICING_ATTRIBUTES;
  const charge: Item = { chargeVersion: 0 };
  const rest: Item = {};
  for (const [k, v] of Object.entries(item)) {
    if (pricingFields.includes(k)) charge[k] = v;
    else if (PRICED_INPUTS.includes(k)) rest[k] = v;
  }
  const flags = Array.isArray(rest.flags) ? [...(rest.flags as string[])].sort() : [];
  return {
    ...(rest as unknown as PricedTransaction),
    flags,
    charge: charge as unknown as PricedTransaction['charge'],
  };
}

export class MemoryChargeRepository implements ChargeRepository {
  constructor(readonly store: MemoryChargeStore = new MemoryChargeStore()) {}

  async load(key: TxKey): Promise<PricedTransaction | undefined> {
    await tick();
    this.store.reads++;
    const item = this.store.transactions.get(txKey(key));
    return item ? toPriced(stored(item)) : undefined;
  }

  async meterMessagesOf(key: TxKey): Promise<MeterMessage[]> {
    await tick();
    this.store.reads++;
    return stored([...(this.store.meterMessages.get(txKey(key))?.values() ?? [])]);
  }

  /** The version check of every pricing write; returns the item when it passes. */
  private versioned(key: TxKey, expectedVersion: number): Item | undefined {
    const item = this.store.transactions.get(txKey(key));
    if (!item || item.finalisedAt !== undefined) return undefined;
    if ((typeof item.chargeVersion === 'number' ? item.chargeVersion : 0) !== expectedVersion)
      return undefined;
    if (expectedVersion === 0 && item.chargeVersion !== undefined) return undefined;
    return item;
  }

  private addFlags(item: Item, flags: readonly string[]): void {
    if (flags.length === 0) return;
    const current = new Set(Array.isArray(item.chargeFlags) ? (item.chargeFlags as string[]) : []);
    for (const f of flags) current.add(f);
    item.chargeFlags = [...current].sort();
  }

  async saveCharge(
    key: TxKey,
    expectedVersion: number,
    update: ChargeUpdate,
    timerDueAt?: number,
  ): Promise<'saved' | 'conflict'> {
    await tick();
    const item = this.versioned(key, expectedVersion);
    const costCapTaken =
      item?.costCap !== undefined && (item.costCap as Partial<CostCapRecord>).status !== 'send-failed';
    if (!item || (update.costCap && costCapTaken)) return 'conflict';
    const { addFlags, ...fields } = update;
    Object.assign(item, stored(fields), { chargeVersion: expectedVersion + 1 });
    this.addFlags(item, addFlags);
    this.store.writes++;
    if (timerDueAt !== undefined) {
      const timer = { key: { ...key }, dueAt: timerDueAt };
      this.store.timers.set(timerKey(timer), timer);
      this.store.writes++;
    }
    return 'saved';
  }

  async flagCharge(key: TxKey, addFlags: string[]): Promise<void> {
    await tick();
    const item = this.store.transactions.get(txKey(key));
    if (!item || addFlags.length === 0) return;
    this.addFlags(item, addFlags);
    this.store.writes++;
  }

  async flagMeterMessage(
    key: TxKey,
    message: MeterMessage,
    flags: readonly MeterMessageFlag[],
  ): Promise<void> {
    await tick();
    const identity = meterMessageIdentity(message);
    const known = [...(this.store.meterMessages.get(txKey(key))?.values() ?? [])].some(
      (m) => meterMessageIdentity(m) === identity,
    );
    if (!known) return;
    const current = this.store.meterMessageFlags.get(`${txKey(key)}#${identity}`) ?? new Set();
    if (flags.every((f) => current.has(f))) return;
    for (const f of flags) current.add(f);
    this.store.meterMessageFlags.set(`${txKey(key)}#${identity}`, current);
    this.store.writes++;
  }

  async recordCostCapOutcome(
    key: TxKey,
    outcome: Pick<CostCapRecord, 'status' | 'messageId' | 'error'>,
  ): Promise<void> {
    await tick();
    const item = this.store.transactions.get(txKey(key));
    if (!item?.costCap) throw new Error('ConditionalCheckFailedException: no cost cap');
    Object.assign(item.costCap as Item, stored(outcome));
    this.store.writes++;
  }

  async recordAfterFinal(
    key: TxKey,
    entries: Record<string, Discrepancy>,
    markFinal: boolean,
    addFlags: string[],
  ): Promise<'saved' | 'not-final'> {
    await tick();
    const item = this.store.transactions.get(txKey(key));
    if (!item || item.finalisedAt === undefined) return 'not-final';
    if (markFinal && item.status !== 'stopped') return 'not-final';
    const map = (item.discrepancies ?? {}) as Record<string, Discrepancy>;
    for (const [id, entry] of Object.entries(entries)) map[id] ??= stored(entry);
    item.discrepancies = map;
    if (markFinal) item.status = 'final';
    this.addFlags(item, addFlags);
    this.store.writes++;
    return 'saved';
  }

  /** Insertion order stands for storage order; the cursor is the index of the next item. */
  async unfinalisedTransactions(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ keys: TxKey[]; cursor?: string }> {
    await tick();
    this.store.reads++;
    const all = [...this.store.transactions.values()];
    const from = cursor === undefined ? 0 : Number(cursor);
    const page = all.slice(from, from + limit);
    const found = page
      .filter((item) => item.finalisedAt === undefined)
      .map((item) => ({ chargerId: item.chargerId as string, transactionId: item.transactionId as number }));
    const next = from + page.length;
    return { keys: found, ...(next < all.length ? { cursor: String(next) } : {}) };
  }

  async loadReconcileCursor(): Promise<string | undefined> {
    await tick();
    return this.store.reconcileCursor;
  }

  async saveReconcileCursor(cursor: string | undefined): Promise<void> {
    await tick();
    this.store.reconcileCursor = cursor;
  }

  async dueTimers(now: number, limit: number): Promise<ChargeTimer[]> {
    await tick();
    this.store.reads++;
    return [...this.store.timers.values()]
      .filter((t) => t.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map((t) => stored(t));
  }

  async deleteTimer(timer: ChargeTimer): Promise<void> {
    await tick();
    this.store.timers.delete(timerKey(timer));
    this.store.writes++;
  }

  async rescheduleTimer(
    timer: ChargeTimer,
    expectedVersion: number,
    dueAt: number | null,
  ): Promise<'saved' | 'conflict'> {
    await tick();
    const item = this.versioned(timer.key, expectedVersion);
    if (!item) return 'conflict';
    item.chargeVersion = expectedVersion + 1;
    if (dueAt === null) delete item.finaliseDueAt;
    else item.finaliseDueAt = dueAt;
    if (dueAt !== timer.dueAt) {
      this.store.timers.delete(timerKey(timer));
      if (dueAt !== null) {
        const next = { key: { ...timer.key }, dueAt };
        this.store.timers.set(timerKey(next), next);
      }
    }
    this.store.writes++;
    return 'saved';
  }

  async finalise(
    key: TxKey,
    expectedVersion: number,
    f: Finalisation,
    timer?: ChargeTimer,
  ): Promise<'finalised' | 'conflict'> {
    await tick();
    const item = this.versioned(key, expectedVersion);
    if (!item || item.status !== (f.markFinal ? 'stopped' : 'active')) return 'conflict';
    const outboxKey = `${f.finalisedAt}#${txKey(key)}`;
    if (this.store.outbox.has(outboxKey)) return 'conflict';
    Object.assign(item, {
      chargeVersion: expectedVersion + 1,
      finalisedAt: f.finalisedAt,
      finalReason: f.reason,
      energyMilliWh: f.energyMilliWh,
      ...(f.charge ? { charge: stored(f.charge) } : {}),
      ...(f.markFinal ? { status: 'final' } : {}),
    });
    item.discrepancies ??= {};
    delete item.finaliseDueAt;
    this.store.outbox.set(outboxKey, stored(f.event));
    if (timer) this.store.timers.delete(timerKey(timer));
    this.store.writes++;
    return 'finalised';
  }
}

/** Records the stops it is asked to send; `failWith` makes the next ones throw (charger offline). */
export class MemoryChargerCommands implements ChargerCommands {
  readonly sent: TxKey[] = [];
  failWith: Error | undefined;
  private n = 0;

  async remoteStop(key: TxKey): Promise<{ messageId: string }> {
    await tick();
    if (this.failWith) throw this.failWith;
    this.sent.push({ ...key });
    this.n++;
    return { messageId: `stop-${this.n}` };
  }
}
