/**
 * The in-memory table behind the fakes of the OCPP ports (memory/chargers.ts, transactions.ts,
 * calls.ts), which have the same conditional-write semantics as the DynamoDB adapters (a repeat
 * writes nothing, a stale write loses; test/fixtures/contracts holds the suites both pass). Used by
 * unit tests and the CPU bench.
 * `writes` counts the writes that would reach the table; `snapshot()` serialises everything so a
 * test can prove a message changed nothing.
 */
import type { Charger, Group, IdTag, Operator, Site } from '../../domain/entities.js';
import { normaliseIdTag } from '../../domain/id-tag.js';
import type { ChargerGateway, OutboundCallRecord, OutstandingCall } from '../../ports/charger-calls.js';
import type { RegistrationPrefix } from '../../ports/charger-registry.js';
import type { StatusEvent } from '../../ports/charger-status.js';
import type { Clock, IdGenerator } from '../../ports/clock.js';
import type { ConnectionRecord } from '../../ports/connections.js';
import type { MeterValuesRecord, StartRecord, TransactionRecord } from '../../ports/transactions.js';

/** A copy, as a read from the table would give (no shared references with what is stored). */
export const clone = <T>(v: T): T => structuredClone(v);

/** Connector ids zero-padded, as in the table's keys, so that string order is numeric order. */
export const pad = (n: number): string => String(n).padStart(4, '0');

export type ChargerItem = Charger & Record<string, unknown>;

export class MemoryOcppStore {
  readonly chargers = new Map<string, ChargerItem>();
  readonly prefixes = new Map<string, RegistrationPrefix>();
  readonly operators = new Map<string, Operator>();
  readonly idTags = new Map<string, IdTag>();
  readonly tariffs = new Map<string, Record<string, unknown>>();
  readonly sites = new Map<string, Site>();
  readonly groups = new Map<string, Group>();
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
  /** The charger admin's claim (DynamoChargerAdmin.claimPrefix): no overlap with another operator's claim. */
  claimPrefix(p: RegistrationPrefix): 'claimed' | 'taken' {
    for (const other of this.prefixes.values()) {
      const overlaps = other.prefix.startsWith(p.prefix) || p.prefix.startsWith(other.prefix);
      if (overlaps && other.operatorId !== p.operatorId) return 'taken';
    }
    this.putPrefix(p);
    return 'claimed';
  }
  putTariff(operatorId: string, tariffId: string, tariff: Record<string, unknown>): void {
    this.tariffs.set(`${operatorId}|${tariffId}`, clone(tariff));
  }
  putSite(site: Site): void {
    this.sites.set(`${site.operatorId}|${site.siteId}`, clone(site));
  }
  putGroup(group: Group): void {
    this.groups.set(`${group.operatorId}|${group.groupId}`, clone(group));
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

  /** Connections the platform closed, in order. */
  readonly disconnected: string[] = [];

  async disconnect(target: { connectionId: string }): Promise<'closed' | 'gone'> {
    if (this.gone.has(target.connectionId)) return 'gone';
    this.gone.add(target.connectionId);
    this.disconnected.push(target.connectionId);
    return 'closed';
  }

  /** Frames sent to one connection, parsed. */
  framesTo(connectionId: string): unknown[] {
    return this.sent.filter((s) => s.connectionId === connectionId).map((s) => JSON.parse(s.data) as unknown);
  }
}

/**
 * A clock that moves only when told. Without a start it begins at the current minute: a fixed
 * calendar date slides into the past, where anything running on system time (a shared platform's
 * sweeper and finaliser, an expiry date) sees the test's records as long overdue.
 */
export class ManualClock implements Clock {
  constructor(private ms = Math.floor(Date.now() / 60_000) * 60_000) {}
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
