/**
 * The one mapper of a stored meter message (ports/transactions.ts MeterValuesRecord) to and from its
 * item: OCPP writes it (transaction repository), pricing reads it back (charge repository, as a
 * MeterMessage) and the table stream carries it (charge-stream.ts). Keys: keys.meterValues inside a
 * transaction, keys.chargerMeterValues outside one.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  METER_MESSAGE_ATTRIBUTES,
  type MeterMessage,
  type MeterMessageFlag,
  type MeterValuesRecord,
  meterMessageIdentity,
} from '../../ports/transactions.js';
import { keys } from './keys.js';
import { Expression, fromStringSet, stringSet, stripKeys } from './support.js';

type Item = Record<string, unknown>;

export const METER_VALUES_ENTITY = 'meterValues';

/** Keyed by the message's content identity, so a new reading under a reused message id is stored. */
export function meterValuesItem(r: MeterValuesRecord): Item {
  const identity = meterMessageIdentity(r);
  const key =
    r.transactionId !== undefined
      ? keys.meterValues(r.chargerId, r.transactionId, identity)
      : keys.chargerMeterValues(
          r.chargerId,
          r.connectorId,
          r.meterValue[0]?.timestamp ?? r.receivedAt,
          identity,
        );
  return { ...key, entity: METER_VALUES_ENTITY, ...r, flags: stringSet(r.flags) };
}

/**
 * The UpdateItem that adds flags to a stored message of a transaction (the recompute's labels,
 * pricing/meter-message-flags.ts): only on an item that exists, and only when one of the flags is
 * missing, so a replay writes nothing. A conditional check failure means there is nothing to do.
 */
export function flagMeterValuesUpdate(
  tableName: string,
  chargerId: string,
  transactionId: number,
  message: Pick<MeterMessage, 'source' | 'meterValue'>,
  flags: readonly MeterMessageFlag[],
): UpdateCommandInput {
  const e = new Expression();
  const flagsName = e.name('flags');
  // `contains` is false on an absent set, so a message without flags passes too.
  const missing = flags.map((f) => `NOT contains(${flagsName}, ${e.value(f)})`).join(' OR ');
  e.when(`attribute_exists(${e.name('pk')})`).when(`(${missing})`);
  e.add('flags', new Set(flags));
  return {
    TableName: tableName,
    Key: keys.meterValues(chargerId, transactionId, meterMessageIdentity(message)),
    ...e.params(),
  };
}

export function toMeterValuesRecord(item: Item): MeterValuesRecord {
  const r = stripKeys<MeterValuesRecord>(item);
  r.flags = fromStringSet(item.flags);
  return r;
}

/**
 * The pricing view of a meter values item (a full item, a projection of METER_MESSAGE_ATTRIBUTES, or
 * a stream image), or undefined when the item does not hold a well-formed message.
 */
export function toMeterMessage(item: Item): MeterMessage | undefined {
  const { messageId, source, meterValue, receivedAt } = item;
  if (
    typeof messageId !== 'string' ||
    (source !== 'MeterValues' && source !== 'StopTransaction') ||
    !Array.isArray(meterValue) ||
    typeof receivedAt !== 'string'
  ) {
    return undefined;
  }
  return { messageId, source, meterValue, receivedAt };
}

/** ProjectionExpression parts reading only a MeterMessage's attributes. */
export function meterMessageProjection(): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names = Object.fromEntries(METER_MESSAGE_ATTRIBUTES.map((a, i) => [`#m${i}`, a]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}
