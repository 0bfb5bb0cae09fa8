/** In-memory fakes of the connection and platform → charger call ports (see ocpp-store.ts). */
import type {
  CallOutcome,
  CallRef,
  OutboundCallRecord,
  OutboundCallRepository,
  OutstandingCall,
  SentCall,
} from '../../ports/charger-calls.js';
import type { ConnectionRecord, ConnectionRepository } from '../../ports/connections.js';
import { clone, type MemoryOcppStore } from './ocpp-store.js';

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
  async markSent(ref: CallRef, sent: SentCall): Promise<boolean> {
    const c = this.s.calls.get(callKey(ref));
    if (c?.status !== 'queued') return false;
    Object.assign(c, { status: 'sent', ...sent });
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
  async createdSince(chargerId: string, since: string): Promise<OutboundCallRecord[]> {
    return [...this.s.calls.values()]
      .filter((c) => c.chargerId === chargerId && c.createdAt >= since)
      .sort((a, b) => (callKey(a) < callKey(b) ? -1 : 1))
      .map(clone);
  }
}
