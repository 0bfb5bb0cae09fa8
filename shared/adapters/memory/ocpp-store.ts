/**
 * In-memory fakes of the OCPP ports, with the same conditional-write semantics as the DynamoDB
 * adapters (a repeat writes nothing, a stale write loses). Used by unit tests and the CPU bench.
 * `writes` counts the writes that would reach the table; `snapshot()` serialises everything so a
 * test can prove a message changed nothing.
 */
import type { Charger, IdTag, Operator } from '../../domain/entities.js';
import { normaliseIdTag } from '../../domain/id-tag.js';
import type {
  CallOutcome,
  CallRef,
  ChargerGateway,
  OutboundCallRecord,
  OutboundCallRepository,
  OutstandingCall,
} from '../../ports/charger-calls.js';
import type {
  BootInfo,
  ChargerReport,
  ChargerRepository,
  IdTagReader,
  OperatorReader,
  RegistrationPrefix,
} from '../../ports/charger-registry.js';
import type { StatusEvent, StatusRepository } from '../../ports/charger-status.js';
import type { Clock, IdGenerator } from '../../ports/clock.js';
import type { ConnectionRecord, ConnectionRepository } from '../../ports/connections.js';
import type { TariffSnapshotInput, TariffSnapshotProvider } from '../../ports/tariff-snapshot.js';
import type {
  MeterValuesRecord,
  StartRecord,
  StopInfo,
  TransactionFlag,
  TransactionRecord,
  TransactionRepository,
} from '../../ports/transactions.js';

const clone = <T>(v: T): T => structuredClone(v);

type ChargerItem = Charger & Record<string, unknown>;

export class MemoryOcppStore {
  readonly chargers = new Map<string, ChargerItem>();
  readonly prefixes = new Map<string, RegistrationPrefix>();
  readonly operators = new Map<string, Operator>();
  readonly idTags = new Map<string, IdTag>();
  readonly tariffs = new Map<string, Record<string, unknown>>();
  readonly connectionsByCharger = new Map<string, ConnectionRecord>();
  readonly connectionsById = new Map<string, ConnectionRecord>();
  readonly statusCurrent = new Map<string, StatusEvent>();
  readonly statusHistory = new Map<string, StatusEvent>();
  readonly inboundCalls = new Set<string>();
  readonly txCounters = new Map<string, number>();
  readonly starts = new Map<string, StartRecord>();
  readonly transactions = new Map<string, TransactionRecord>();
  readonly meterValues = new Map<string, MeterValuesRecord>();
  readonly calls = new Map<string, OutboundCallRecord>();
  readonly outstanding = new Map<string, OutstandingCall>();
  /** Writes that would reach the table (conditional writes that fail are not counted). */
  writes = 0;

  /** Every stored record, in a stable order, as JSON. */
  snapshot(): string {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this)) {
      if (value instanceof Map)
        out[name] = [...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)));
      else if (value instanceof Set) out[name] = [...value].sort();
    }
    return JSON.stringify(out);
  }

  /* seeding helpers for tests */
  putCharger(c: Charger): void {
    this.chargers.set(c.chargerId, clone(c) as ChargerItem);
  }
  putOperator(o: Operator): void {
    this.operators.set(o.operatorId, clone(o));
  }
  putIdTag(t: IdTag): void {
    this.idTags.set(`${t.operatorId}|${normaliseIdTag(t.idTag)}`, clone(t));
  }
  putPrefix(p: RegistrationPrefix): void {
    this.prefixes.set(p.prefix, clone(p));
  }
  putTariff(operatorId: string, tariffId: string, tariff: Record<string, unknown>): void {
    this.tariffs.set(`${operatorId}|${tariffId}`, clone(tariff));
  }
}

export class MemoryChargerRepository implements ChargerRepository {
  constructor(private readonly s: MemoryOcppStore) {}

  async get(chargerId: string): Promise<Charger | undefined> {
    const c = this.s.chargers.get(chargerId);
    return c ? clone(c) : undefined;
  }

  async findRegistrationPrefix(chargerId: string): Promise<RegistrationPrefix | undefined> {
    for (let len = chargerId.length; len > 0; len--) {
      const p = this.s.prefixes.get(chargerId.slice(0, len));
      if (p) return clone(p);
    }
    return undefined;
  }

  async createIfAbsent(charger: Charger): Promise<'created' | 'exists'> {
    if (this.s.chargers.has(charger.chargerId)) return 'exists';
    this.s.chargers.set(charger.chargerId, clone(charger) as ChargerItem);
    this.s.writes++;
    return 'created';
  }

  private update(
    chargerId: string,
    marker: string,
    messageId: string,
    fields: Record<string, unknown>,
  ): void {
    const c = this.s.chargers.get(chargerId);
    if (!c || c[marker] === messageId) return;
    Object.assign(c, clone(fields), { [marker]: messageId });
    this.s.writes++;
  }

  async recordBoot(chargerId: string, boot: BootInfo, at: string, messageId: string): Promise<void> {
    this.update(chargerId, 'lastBootMessageId', messageId, {
      ...boot,
      serialNumber: boot.chargePointSerialNumber ?? boot.chargeBoxSerialNumber,
      lastBootAt: at,
    });
  }
  async recordHeartbeat(chargerId: string, at: string, messageId: string): Promise<void> {
    this.update(chargerId, 'lastHeartbeatMessageId', messageId, { lastHeartbeatAt: at });
  }
  async recordFirmwareStatus(chargerId: string, r: ChargerReport): Promise<void> {
    this.update(chargerId, 'firmwareStatusMessageId', r.messageId, {
      firmwareStatus: r.status,
      firmwareStatusAt: r.at,
    });
  }
  async recordDiagnosticsStatus(chargerId: string, r: ChargerReport): Promise<void> {
    this.update(chargerId, 'diagnosticsStatusMessageId', r.messageId, {
      diagnosticsStatus: r.status,
      diagnosticsStatusAt: r.at,
    });
  }
}

export class MemoryOperatorReader implements OperatorReader {
  constructor(private readonly s: MemoryOcppStore) {}
  async get(operatorId: string): Promise<Operator | undefined> {
    const o = this.s.operators.get(operatorId);
    return o ? clone(o) : undefined;
  }
}

export class MemoryIdTagReader implements IdTagReader {
  constructor(private readonly s: MemoryOcppStore) {}
  async get(operatorId: string, idTag: string): Promise<IdTag | undefined> {
    const t = this.s.idTags.get(`${operatorId}|${normaliseIdTag(idTag)}`);
    return t ? clone(t) : undefined;
  }
}

export class MemoryConnectionRepository<Protocol extends string = string>
  implements ConnectionRepository<Protocol>
{
  constructor(private readonly s: MemoryOcppStore) {}

  async open(c: ConnectionRecord<Protocol>): Promise<'opened' | 'superseded'> {
    this.s.connectionsById.set(c.connectionId, clone(c));
    this.s.writes++;
    const current = this.s.connectionsByCharger.get(c.chargerId);
    if (current && current.connectedAt > c.connectedAt) return 'superseded';
    this.s.connectionsByCharger.set(c.chargerId, clone(c));
    this.s.writes++;
    return 'opened';
  }

  async close(chargerId: string, connectionId: string): Promise<'closed' | 'not-current'> {
    if (this.s.connectionsById.delete(connectionId)) this.s.writes++;
    if (this.s.connectionsByCharger.get(chargerId)?.connectionId !== connectionId) return 'not-current';
    this.s.connectionsByCharger.delete(chargerId);
    this.s.writes++;
    return 'closed';
  }

  async current(chargerId: string): Promise<ConnectionRecord<Protocol> | undefined> {
    const c = this.s.connectionsByCharger.get(chargerId);
    // Only open() writes these maps, with records of this repository's protocol type.
    return c ? (clone(c) as ConnectionRecord<Protocol>) : undefined;
  }

  async byConnectionId(connectionId: string): Promise<ConnectionRecord<Protocol> | undefined> {
    const c = this.s.connectionsById.get(connectionId);
    return c ? (clone(c) as ConnectionRecord<Protocol>) : undefined;
  }
}

const pad = (n: number) => String(n).padStart(4, '0');

export class MemoryStatusRepository implements StatusRepository {
  constructor(private readonly s: MemoryOcppStore) {}

  async record(e: StatusEvent): Promise<{ history: 'stored' | 'duplicate'; current: 'updated' | 'older' }> {
    const key = `${e.chargerId}|${pad(e.connectorId)}#${e.timestamp}#${e.messageId}`;
    const marker = `${e.chargerId}|${e.messageId}`;
    let history: 'stored' | 'duplicate' = 'duplicate';
    const dedupByMessage = e.timestampSource === 'received';
    if (!this.s.statusHistory.has(key) && !(dedupByMessage && this.s.inboundCalls.has(marker))) {
      this.s.statusHistory.set(key, clone(e));
      if (dedupByMessage) this.s.inboundCalls.add(marker);
      this.s.writes++;
      history = 'stored';
    }
    if (history === 'duplicate' && dedupByMessage) return { history, current: 'older' };
    const curKey = `${e.chargerId}|${e.connectorId}`;
    const cur = this.s.statusCurrent.get(curKey);
    if (cur && cur.timestamp >= e.timestamp) return { history, current: 'older' };
    this.s.statusCurrent.set(curKey, clone(e));
    this.s.writes++;
    return { history, current: 'updated' };
  }

  async current(chargerId: string, connectorId: number): Promise<StatusEvent | undefined> {
    const c = this.s.statusCurrent.get(`${chargerId}|${connectorId}`);
    return c ? clone(c) : undefined;
  }

  async history(chargerId: string, connectorId: number): Promise<StatusEvent[]> {
    const prefix = `${chargerId}|${pad(connectorId)}#`;
    return [...this.s.statusHistory.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => clone(v));
  }
}

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
    const first = r.meterValue[0]?.timestamp ?? r.receivedAt;
    const k =
      r.transactionId !== undefined
        ? `${r.chargerId}|${r.transactionId}|${r.messageId}`
        : `${r.chargerId}|-|${pad(r.connectorId)}#${first}#${r.messageId}`;
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

const callKey = (r: CallRef) => `${r.chargerId}|${r.createdAt}|${r.messageId}`;

export class MemoryCallRepository implements OutboundCallRepository {
  constructor(private readonly s: MemoryOcppStore) {}

  async create(call: OutboundCallRecord): Promise<void> {
    if (this.s.calls.has(callKey(call)))
      throw new Error(`ConditionalCheckFailedException: call ${callKey(call)} exists`);
    this.s.calls.set(callKey(call), clone(call));
    this.s.writes++;
  }
  async get(ref: CallRef): Promise<OutboundCallRecord | undefined> {
    const c = this.s.calls.get(callKey(ref));
    return c ? clone(c) : undefined;
  }
  async acquire(chargerId: string, call: OutstandingCall): Promise<boolean> {
    if (this.s.outstanding.has(chargerId)) return false;
    this.s.outstanding.set(chargerId, clone(call));
    this.s.writes++;
    return true;
  }
  async outstanding(chargerId: string): Promise<OutstandingCall | undefined> {
    const o = this.s.outstanding.get(chargerId);
    return o ? clone(o) : undefined;
  }
  async release(chargerId: string, messageId: string): Promise<void> {
    if (this.s.outstanding.get(chargerId)?.messageId !== messageId) return;
    this.s.outstanding.delete(chargerId);
    this.s.writes++;
  }
  async markSent(ref: CallRef, sentAt: string, connectionId: string): Promise<boolean> {
    const c = this.s.calls.get(callKey(ref));
    if (c?.status !== 'queued') return false;
    Object.assign(c, { status: 'sent', sentAt, connectionId });
    this.s.writes++;
    return true;
  }
  async complete(ref: CallRef, outcome: CallOutcome): Promise<boolean> {
    const c = this.s.calls.get(callKey(ref));
    if (!c || (c.status !== 'queued' && c.status !== 'sent')) return false;
    Object.assign(c, clone(outcome));
    this.s.writes++;
    return true;
  }
  async queued(chargerId: string): Promise<OutboundCallRecord[]> {
    return [...this.s.calls.values()]
      .filter((c) => c.chargerId === chargerId && c.status === 'queued')
      .sort((a, b) => (callKey(a) < callKey(b) ? -1 : 1))
      .map(clone);
  }
  async open(): Promise<OutboundCallRecord[]> {
    return [...this.s.calls.values()]
      .filter((c) => c.status === 'queued' || c.status === 'sent')
      .sort((a, b) => (a.deadline < b.deadline ? -1 : 1))
      .map(clone);
  }
}

/** Default snapshot: the tariff of the charger, else of its site (sites are not modelled here). */
export class MemoryTariffSnapshots implements TariffSnapshotProvider {
  constructor(private readonly s: MemoryOcppStore) {}
  async snapshotFor(input: TariffSnapshotInput): Promise<unknown | undefined> {
    const tariffId = this.s.chargers.get(input.chargerId)?.tariffId;
    const t = tariffId ? this.s.tariffs.get(`${input.operatorId}|${tariffId}`) : undefined;
    return t ? clone(t) : undefined;
  }
}

/** Captures what the platform posts to chargers; a test decides which connections are gone. */
export class MemoryChargerGateway implements ChargerGateway {
  readonly sent: { connectionId: string; data: string }[] = [];
  readonly gone = new Set<string>();

  async send(target: { connectionId: string }, data: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(target.connectionId)) return 'gone';
    this.sent.push({ connectionId: target.connectionId, data });
    return 'sent';
  }

  /** Frames sent to one connection, parsed. */
  framesTo(connectionId: string): unknown[] {
    return this.sent.filter((s) => s.connectionId === connectionId).map((s) => JSON.parse(s.data) as unknown);
  }
}

export class ManualClock implements Clock {
  constructor(private ms = Date.parse('2026-11-01T10:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class SequentialIds implements IdGenerator {
  private n = 0;
  next(prefix = 'id'): string {
    this.n++;
    return `${prefix}-${String(this.n).padStart(6, '0')}`;
  }
}
