/** Chargers, operators, id tags and registration prefixes in the platform table. */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Charger, IdTag, Operator } from '../../domain/entities.js';
import {
  type BootInfo,
  type ChargerReport,
  type ChargerRepository,
  heartbeatRecordCutoff,
  type IdTagReader,
  type OperatorReader,
  type RegistrationPrefix,
} from '../../ports/charger-registry.js';
import { gsi1, keys } from './keys.js';
import {
  batchGetAll,
  Expression,
  isConditionalCheckFailed,
  putIfAbsent,
  stripKeys,
  type TableContext,
} from './support.js';

/** A charger's item: listed under its operator in gsi1. */
export function chargerItem(charger: Charger): Record<string, unknown> {
  return {
    ...keys.charger(charger.chargerId),
    ...gsi1.chargerOfOperator(charger.operatorId, charger.chargerId),
    entity: 'charger',
    ...charger,
  };
}

export class DynamoChargerRepository implements ChargerRepository {
  constructor(private readonly t: TableContext) {}

  async get(chargerId: string): Promise<Charger | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.charger(chargerId) }),
    );
    return out.Item ? stripKeys<Charger>(out.Item) : undefined;
  }

  /** One BatchGetItem over every prefix of the id (at most 48 keys); the longest claim wins. */
  async findRegistrationPrefix(chargerId: string): Promise<RegistrationPrefix | undefined> {
    const candidates = Array.from({ length: chargerId.length }, (_, i) =>
      keys.registrationPrefix(chargerId.slice(0, i + 1)),
    );
    const found: RegistrationPrefix[] = [];
    for (const item of await batchGetAll(this.t, candidates, { consistentRead: true })) {
      if (typeof item.prefix === 'string' && typeof item.operatorId === 'string') {
        found.push({ prefix: item.prefix, operatorId: item.operatorId });
      }
    }
    return found.sort((a, b) => b.prefix.length - a.prefix.length)[0];
  }

  async createIfAbsent(charger: Charger): Promise<'created' | 'exists'> {
    return putIfAbsent(this.t, chargerItem(charger));
  }

  /**
   * SETs the given fields on an existing charger unless `marker` already holds this message id
   * (a repeat of the same CALL writes nothing).
   */
  private async update(
    chargerId: string,
    marker: string,
    messageId: string,
    fields: Record<string, unknown>,
  ) {
    const e = new Expression();
    const m = e.name(marker);
    const mid = e.value(messageId);
    e.when(`attribute_exists(${e.name('pk')}) AND (attribute_not_exists(${m}) OR ${m} <> ${mid})`);
    e.setRaw(`${m} = ${mid}`).setAll(fields);
    try {
      await this.t.doc.send(
        new UpdateCommand({ TableName: this.t.tableName, Key: keys.charger(chargerId), ...e.params() }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async recordBoot(chargerId: string, boot: BootInfo, at: string, messageId: string): Promise<void> {
    await this.update(chargerId, 'lastBootMessageId', messageId, {
      ...boot,
      serialNumber: boot.chargePointSerialNumber ?? boot.chargeBoxSerialNumber,
      lastBootAt: at,
    });
  }

  /** Throttled (ports/charger-registry.ts): the time condition also makes a repeat write nothing. */
  async recordHeartbeat(chargerId: string, at: string, _messageId: string): Promise<void> {
    const e = new Expression();
    const last = e.name('lastHeartbeatAt');
    e.when(
      `attribute_exists(${e.name('pk')}) AND (attribute_not_exists(${last}) OR ${last} <= ${e.value(heartbeatRecordCutoff(at))})`,
    );
    e.set('lastHeartbeatAt', at);
    try {
      await this.t.doc.send(
        new UpdateCommand({ TableName: this.t.tableName, Key: keys.charger(chargerId), ...e.params() }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async recordFirmwareStatus(chargerId: string, r: ChargerReport): Promise<void> {
    await this.update(chargerId, 'firmwareStatusMessageId', r.messageId, {
      firmwareStatus: r.status,
      firmwareStatusAt: r.at,
    });
  }

  async recordDiagnosticsStatus(chargerId: string, r: ChargerReport): Promise<void> {
    await this.update(chargerId, 'diagnosticsStatusMessageId', r.messageId, {
      diagnosticsStatus: r.status,
      diagnosticsStatusAt: r.at,
    });
  }
}

export class DynamoOperatorReader implements OperatorReader {
  constructor(private readonly t: TableContext) {}
  async get(operatorId: string): Promise<Operator | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.operator(operatorId) }),
    );
    return out.Item ? stripKeys<Operator>(out.Item) : undefined;
  }
}

export class DynamoIdTagReader implements IdTagReader {
  constructor(private readonly t: TableContext) {}
  async get(operatorId: string, idTag: string): Promise<IdTag | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.tableName, Key: keys.idTag(operatorId, idTag) }),
    );
    return out.Item ? toIdTag(out.Item) : undefined;
  }
}

/**
 * An id tag's item. Its validity is stored as `validUntil` (ISO-8601): `expiresAt` is the table's
 * TTL attribute (epoch seconds, keys.ts), and an expired tag must stay to be refused as `Expired`.
 */
export function idTagItem(tag: IdTag): Record<string, unknown> {
  const { expiresAt, ...rest } = tag;
  return {
    ...keys.idTag(tag.operatorId, tag.idTag),
    ...gsi1.idTag(tag.operatorId, tag.idTag),
    entity: 'idTag',
    ...rest,
    validUntil: expiresAt,
  };
}

export function toIdTag(item: Record<string, unknown>): IdTag {
  const { validUntil, expiresAt, ...tag } = stripKeys<IdTag & { validUntil?: unknown; expiresAt?: unknown }>(
    item,
  );
  // Items written before `validUntil` kept the validity in `expiresAt`, as ISO-8601 or epoch seconds.
  const legacy = typeof expiresAt === 'number' ? new Date(expiresAt * 1000).toISOString() : expiresAt;
  const validity = typeof validUntil === 'string' ? validUntil : legacy;
  return typeof validity === 'string' ? { ...tag, expiresAt: validity } : tag;
}
