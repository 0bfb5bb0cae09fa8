/**
 * Single-table key design. Every entity's key is built here and nowhere else.
 *
 * | entity                     | pk                          | sk                                | gsi1pk / gsi1sk                 |
 * |----------------------------|-----------------------------|-----------------------------------|---------------------------------|
 * | operator                   | OP#<operatorId>             | OPERATOR                          |                                 |
 * | operator API key           | APIKEY#<sha256(key)>        | APIKEY                            |                                 |
 * | site                       | OP#<operatorId>             | SITE#<siteId>                     |                                 |
 * | tariff (service rate)      | OP#<operatorId>             | TARIFF#<tariffId>                 |                                 |
 * | group (closed user group)  | OP#<operatorId>             | GROUP#<groupId>                   |                                 |
 * | id tag (RFID / account)    | OP#<operatorId>             | IDTAG#<idTag>                     | IDTAG#<idTag> / OP#<operatorId> |
 * | charger                    | CP#<chargerId>              | CHARGER                           | OP#<operatorId> / CP#<chargerId>|
 * | live connection            | CP#<chargerId>              | CONNECTION                        |                                 |
 * | connection → charger       | CONN#<connectionId>         | CONN                              |                                 |
 * | connector (current status) | CP#<chargerId>              | CONNECTOR#<nnnn>                  |                                 |
 * | status history             | CPSTATUS#<chargerId>        | <nnnn>#<timestamp>#<messageId>    |                                 |
 * | inbound CALL (dedup)       | CP#<chargerId>              | MSG#<messageId>                   |                                 |
 * | transaction id counter     | CP#<chargerId>              | TXSEQ                             |                                 |
 * | StartTransaction dedup     | CP#<chargerId>              | TXSTART#<nnnn>#<timestamp>        |                                 |
 * | transaction                | TX#<chargerId>#<txId>       | TX                                | OP#<operatorId> / TX#<startedAt>|
 * | meter values (one message) | TX#<chargerId>#<txId>       | MV#<messageId>                    |                                 |
 * | meter values, no tx        | CPMV#<chargerId>            | <nnnn>#<timestamp>#<messageId>    |                                 |
 * | outbound call (platform →) | CP#<chargerId>              | CALL#<createdAt>#<messageId>      | OPENCALL / <deadline>#<chargerId>#<messageId> while open (sparse) |
 * | outstanding call lock      | CP#<chargerId>              | OUTSTANDING                       |                                 |
 * | registration prefix claim  | CPPREFIX#<prefix>           | CPPREFIX                          |                                 |
 * | Stripe event (dedup)       | STRIPEEVT#<eventId>         | STRIPEEVT                         |                                 |
 * | charge finaliser timer     | SETTLE#<shard 0..3>         | <dueAt 12 digits>#<chargerId>#<txId> |                              |
 * | outbox: charge finalised   | OUTBOX#charge-finalised     | <finalisedAt>#<chargerId>#<txId>  |                                 |
 *
 * Connector ids are zero-padded so that sort order is numeric order.
 * Meter values without a transaction use the first sample's timestamp (deterministic, so a repeated
 * message lands on the same key). A registration prefix claim lets unknown chargers whose id starts
 * with the prefix register as pending for the claiming operator (shared/app/ocpp/connection.ts).
 * Finaliser timers (shared/app/pricing/finalise.ts) are spread over CHARGE_TIMER_SHARDS partitions by a
 * hash of the transaction, and sorted by due time (zero-padded epoch seconds) so that the finaliser
 * finds what is due with one `sk < <now + 1>` query per shard, never a scan. Outbox items are the
 * durable events other flows consume from the table stream (INSERT); they expire by TTL.
 * Id tags are case-insensitive (OCPP CiString20), so their keys hold the normal form.
 */

import { normaliseIdTag } from '../../domain/id-tag.js';

export interface Key {
  pk: string;
  sk: string;
}

const pad = (n: number): string => String(n).padStart(4, '0');

export const keys = {
  operator: (operatorId: string): Key => ({ pk: `OP#${operatorId}`, sk: 'OPERATOR' }),
  apiKey: (apiKeyHash: string): Key => ({ pk: `APIKEY#${apiKeyHash}`, sk: 'APIKEY' }),
  site: (operatorId: string, siteId: string): Key => ({ pk: `OP#${operatorId}`, sk: `SITE#${siteId}` }),
  tariff: (operatorId: string, tariffId: string): Key => ({
    pk: `OP#${operatorId}`,
    sk: `TARIFF#${tariffId}`,
  }),
  group: (operatorId: string, groupId: string): Key => ({ pk: `OP#${operatorId}`, sk: `GROUP#${groupId}` }),
  idTag: (operatorId: string, idTag: string): Key => ({
    pk: `OP#${operatorId}`,
    sk: `IDTAG#${normaliseIdTag(idTag)}`,
  }),
  charger: (chargerId: string): Key => ({ pk: `CP#${chargerId}`, sk: 'CHARGER' }),
  connection: (chargerId: string): Key => ({ pk: `CP#${chargerId}`, sk: 'CONNECTION' }),
  connectionById: (connectionId: string): Key => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  connector: (chargerId: string, connectorId: number): Key => ({
    pk: `CP#${chargerId}`,
    sk: `CONNECTOR#${pad(connectorId)}`,
  }),
  statusEvent: (chargerId: string, connectorId: number, timestamp: string, messageId: string): Key => ({
    pk: `CPSTATUS#${chargerId}`,
    sk: `${pad(connectorId)}#${timestamp}#${messageId}`,
  }),
  inboundCall: (chargerId: string, messageId: string): Key => ({
    pk: `CP#${chargerId}`,
    sk: `MSG#${messageId}`,
  }),
  transactionCounter: (chargerId: string): Key => ({ pk: `CP#${chargerId}`, sk: 'TXSEQ' }),
  startDedup: (chargerId: string, connectorId: number, timestamp: string): Key => ({
    pk: `CP#${chargerId}`,
    sk: `TXSTART#${pad(connectorId)}#${timestamp}`,
  }),
  transaction: (chargerId: string, transactionId: number): Key => ({
    pk: `TX#${chargerId}#${transactionId}`,
    sk: 'TX',
  }),
  meterValues: (chargerId: string, transactionId: number, messageId: string): Key => ({
    pk: `TX#${chargerId}#${transactionId}`,
    sk: `MV#${messageId}`,
  }),
  outboundCall: (chargerId: string, createdAt: string, messageId: string): Key => ({
    pk: `CP#${chargerId}`,
    sk: `CALL#${createdAt}#${messageId}`,
  }),
  outstandingCall: (chargerId: string): Key => ({ pk: `CP#${chargerId}`, sk: 'OUTSTANDING' }),
  chargerMeterValues: (
    chargerId: string,
    connectorId: number,
    timestamp: string,
    messageId: string,
  ): Key => ({
    pk: `CPMV#${chargerId}`,
    sk: `${pad(connectorId)}#${timestamp}#${messageId}`,
  }),
  registrationPrefix: (prefix: string): Key => ({ pk: `CPPREFIX#${prefix}`, sk: 'CPPREFIX' }),
  stripeEvent: (eventId: string): Key => ({ pk: `STRIPEEVT#${eventId}`, sk: 'STRIPEEVT' }),
  chargeTimer: (dueAt: number, chargerId: string, transactionId: number): Key => ({
    pk: chargeTimerPartition(chargeTimerShard(chargerId, transactionId)),
    sk: `${epochSortKey(dueAt)}#${chargerId}#${transactionId}`,
  }),
  outbox: (topic: 'charge-finalised', at: string, chargerId: string, transactionId: number): Key => ({
    pk: `OUTBOX#${topic}`,
    sk: `${at}#${chargerId}#${transactionId}`,
  }),
} as const;

/** Partitions the finaliser timers are spread over (each is queried every run). */
export const CHARGE_TIMER_SHARDS = 4;

export const chargeTimerPartition = (shard: number): string => `SETTLE#${shard}`;

/** Epoch seconds, zero-padded so that string order is time order. */
export const epochSortKey = (epochSeconds: number): string => String(epochSeconds).padStart(12, '0');

/** Stable shard of a transaction (FNV-1a of its key). */
export function chargeTimerShard(chargerId: string, transactionId: number): number {
  let hash = 0x811c9dc5;
  for (const ch of `${chargerId}#${transactionId}`) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % CHARGE_TIMER_SHARDS;
}

export const gsi1 = {
  chargerOfOperator: (operatorId: string, chargerId: string) => ({
    gsi1pk: `OP#${operatorId}`,
    gsi1sk: `CP#${chargerId}`,
  }),
  transactionOfOperator: (operatorId: string, startedAt: string) => ({
    gsi1pk: `OP#${operatorId}`,
    gsi1sk: `TX#${startedAt}`,
  }),
  idTag: (operatorId: string, idTag: string) => ({
    gsi1pk: `IDTAG#${normaliseIdTag(idTag)}`,
    gsi1sk: `OP#${operatorId}`,
  }),
  /** Sparse: only open (queued or sent) platform → charger calls carry it; the call sweeper queries it. */
  openCall: (deadline: string, chargerId: string, messageId: string) => ({
    gsi1pk: 'OPENCALL',
    gsi1sk: `${deadline}#${chargerId}#${messageId}`,
  }),
} as const;
