/** In-memory fake of the TransactionRepository (see ocpp-store.ts). */
import {
  type MeterValuesRecord,
  meterMessageIdentity,
  type StartRecord,
  type StopInfo,
  type TransactionFlag,
  type TransactionRecord,
  type TransactionRepository,
} from '../../ports/transactions.js';
import { clone, type MemoryOcppStore, pad } from './ocpp-store.js';

export class MemoryTransactionRepository implements TransactionRepository {
  constructor(private readonly s: MemoryOcppStore) {}

  private txKey = (chargerId: string, id: number) => `${chargerId}|${id}`;
  private startKey = (chargerId: string, connectorId: number, ts: string) =>
    `${chargerId}|${pad(connectorId)}|${ts}`;

  async findStart(
    chargerId: string,
    connectorId: number,
    timestamp: string,
  ): Promise<StartRecord | undefined> {
    const r = this.s.starts.get(this.startKey(chargerId, connectorId, timestamp));
    return r ? clone(r) : undefined;
  }

  async latestStartBefore(
    chargerId: string,
    connectorId: number,
    timestamp: string,
  ): Promise<StartRecord | undefined> {
    const from = this.startKey(chargerId, connectorId, '');
    const before = this.startKey(chargerId, connectorId, timestamp);
    const latest = [...this.s.starts.keys()]
      .filter((k) => k.startsWith(from) && k < before)
      .sort()
      .at(-1);
    const r = latest === undefined ? undefined : this.s.starts.get(latest);
    return r ? clone(r) : undefined;
  }

  async nextTransactionId(chargerId: string): Promise<number> {
    const next = (this.s.txCounters.get(chargerId) ?? 0) + 1;
    this.s.txCounters.set(chargerId, next);
    this.s.writes++;
    return next;
  }

  async reserveTransactionId(chargerId: string, transactionId: number): Promise<void> {
    if ((this.s.txCounters.get(chargerId) ?? 0) >= transactionId) return;
    this.s.txCounters.set(chargerId, transactionId);
    this.s.writes++;
  }

  async createStarted(
    tx: TransactionRecord,
    start: StartRecord | undefined,
  ): Promise<'created' | 'duplicate-start' | 'id-taken'> {
    const sk = start ? this.startKey(start.chargerId, start.connectorId, start.timestamp) : undefined;
    if (sk && this.s.starts.has(sk)) return 'duplicate-start';
    const tk = this.txKey(tx.chargerId, tx.transactionId);
    if (this.s.transactions.has(tk)) return 'id-taken';
    if (sk && start) this.s.starts.set(sk, clone(start));
    this.s.transactions.set(tk, clone(tx));
    this.s.writes++;
    return 'created';
  }

  async get(chargerId: string, transactionId: number): Promise<TransactionRecord | undefined> {
    const t = this.s.transactions.get(this.txKey(chargerId, transactionId));
    return t ? clone(t) : undefined;
  }

  async recordStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
  ): Promise<'stopped' | 'already-stopped' | 'missing'> {
    const t = this.s.transactions.get(this.txKey(chargerId, transactionId));
    if (!t) return 'missing';
    // As the adapter's condition: only an active transaction without a stop takes one.
    if (t.stoppedAt !== undefined || t.status !== 'active') return 'already-stopped';
    const { receivedAt, ...fields } = stop;
    Object.assign(t, clone(fields), { updatedAt: receivedAt, status: 'stopped' });
    this.s.writes++;
    return 'stopped';
  }

  async replaceSupersededStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
    platformStopMessageId: string,
  ): Promise<'replaced' | 'kept'> {
    const t = this.s.transactions.get(this.txKey(chargerId, transactionId)) as
      | (TransactionRecord & { finalisedAt?: string })
      | undefined;
    if (!t) return 'kept';
    // As the adapter's condition.
    if (
      t.status !== 'stopped' ||
      t.finalisedAt !== undefined ||
      t.stopMessageId !== platformStopMessageId ||
      t.flags.includes('stop-replaced-by-charger')
    )
      return 'kept';
    const { receivedAt, ...fields } = stop;
    delete t.stopReason;
    delete t.stopIdTag;
    Object.assign(t, clone(fields), { updatedAt: receivedAt });
    t.flags = [...t.flags, 'stop-replaced-by-charger'].sort();
    this.s.writes++;
    return 'replaced';
  }

  async createFromStop(tx: TransactionRecord): Promise<'created' | 'exists'> {
    const k = this.txKey(tx.chargerId, tx.transactionId);
    if (this.s.transactions.has(k)) return 'exists';
    this.s.transactions.set(k, clone(tx));
    this.s.writes++;
    return 'created';
  }

  async addFlag(chargerId: string, transactionId: number, flag: TransactionFlag): Promise<void> {
    const t = this.s.transactions.get(this.txKey(chargerId, transactionId));
    if (!t || t.flags.includes(flag)) return;
    // A string set in DynamoDB: read back sorted.
    t.flags = [...t.flags, flag].sort();
    this.s.writes++;
  }

  async putMeterValues(r: MeterValuesRecord): Promise<'stored' | 'duplicate'> {
    // As the adapter's keys: the content identity, never the message id (ids are reused after a reboot).
    const first = r.meterValue[0]?.timestamp ?? r.receivedAt;
    const identity = meterMessageIdentity(r);
    const k =
      r.transactionId !== undefined
        ? `${r.chargerId}|${r.transactionId}|${identity}`
        : `${r.chargerId}|-|${pad(r.connectorId)}#${first}#${identity}`;
    if (this.s.meterValues.has(k)) return 'duplicate';
    this.s.meterValues.set(k, clone(r));
    this.s.writes++;
    return 'stored';
  }

  async meterValuesOf(chargerId: string, transactionId: number): Promise<MeterValuesRecord[]> {
    const prefix = `${chargerId}|${transactionId}|`;
    return [...this.s.meterValues.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => clone(v));
  }
}
