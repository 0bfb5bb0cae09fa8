/** In-memory fakes of the charger registry, status and tariff snapshot ports (see ocpp-store.ts). */
import type { Charger, IdTag, Operator } from '../../domain/entities.js';
import { normaliseIdTag } from '../../domain/id-tag.js';
import { chooseTariff } from '../../domain/tariff.js';
import {
  type BootInfo,
  type ChargerReport,
  type ChargerRepository,
  heartbeatRecordCutoff,
  type IdTagReader,
  type OperatorReader,
  type RegistrationPrefix,
} from '../../ports/charger-registry.js';
import type { StatusEvent, StatusRepository } from '../../ports/charger-status.js';
import type { TariffSnapshotInput, TariffSnapshotProvider } from '../../ports/tariff-snapshot.js';
import { type ChargerItem, clone, type MemoryOcppStore, pad } from './ocpp-store.js';

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
  async recordHeartbeat(chargerId: string, at: string, _messageId: string): Promise<void> {
    const c = this.s.chargers.get(chargerId);
    const last = c?.lastHeartbeatAt;
    if (!c || (typeof last === 'string' && last > heartbeatRecordCutoff(at))) return;
    c.lastHeartbeatAt = at;
    this.s.writes++;
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

export class MemoryStatusRepository implements StatusRepository {
  constructor(private readonly s: MemoryOcppStore) {}

  async record(e: StatusEvent): Promise<{ history: 'stored' | 'duplicate'; current: 'updated' | 'older' }> {
    const key = `${e.chargerId}|${pad(e.connectorId)}#${e.timestamp}#${e.messageId}`;
    const marker = `${e.chargerId}|${e.connectionId ?? ''}|${e.messageId}`;
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
    const orderOf = (x: StatusEvent) => x.orderedAt ?? x.timestamp;
    if (cur && orderOf(cur) >= orderOf(e)) return { history, current: 'older' };
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

/**
 * Snapshots as the DynamoDB resolver takes them: the group of the driver's (unblocked) id tag, the
 * charger and its site give one candidate tariff each, a candidate whose tariff is not stored is
 * skipped, and chooseTariff decides. The tariff is returned as stored (tests seed partial ones).
 */
export class MemoryTariffSnapshots implements TariffSnapshotProvider {
  constructor(private readonly s: MemoryOcppStore) {}
  async snapshotFor(input: TariffSnapshotInput): Promise<unknown | undefined> {
    const { operatorId } = input;
    const charger = this.s.chargers.get(input.chargerId);
    const tag =
      input.idTag !== undefined
        ? this.s.idTags.get(`${operatorId}|${normaliseIdTag(input.idTag)}`)
        : undefined;
    const groupId = tag && tag.blocked !== true ? tag.groupId : undefined;
    const siteId = input.siteId ?? charger?.siteId;
    const stored = (tariffId: string | undefined) =>
      tariffId && this.s.tariffs.has(`${operatorId}|${tariffId}`) ? tariffId : undefined;
    const choice = chooseTariff({
      group: stored(groupId ? this.s.groups.get(`${operatorId}|${groupId}`)?.tariffId : undefined),
      charger: stored(charger?.tariffId),
      site: stored(siteId ? this.s.sites.get(`${operatorId}|${siteId}`)?.tariffId : undefined),
    });
    const t = choice ? this.s.tariffs.get(`${operatorId}|${choice.tariffId}`) : undefined;
    return t ? clone(t) : undefined;
  }
}
