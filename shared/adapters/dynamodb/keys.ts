/**
 * Single-table key design. Every entity's key is built here and nowhere else.
 *
 * | entity                     | pk                          | sk                                | gsi1pk / gsi1sk                 |
 * |----------------------------|-----------------------------|-----------------------------------|---------------------------------|
 * | operator                   | OP#<operatorId>             | OPERATOR                          |                                 |
 * | operator API key (lookup)  | APIKEY#<sha256(key)>        | APIKEY                            |                                 |
 * | operator API key (listing) | OP#<operatorId>             | APIKEY#<keyId>                    |                                 |
 * | site                       | OP#<operatorId>             | SITE#<siteId>                     |                                 |
 * | tariff (service rate)      | OP#<operatorId>             | TARIFF#<tariffId>                 |                                 |
 * | group (closed user group)  | OP#<operatorId>             | GROUP#<groupId>                   | fleets only: FLEETS / <operatorId>#<groupId> (sparse: the monthly statement run lists them) |
 * | id tag (RFID / account)    | OP#<operatorId>             | IDTAG#<idTag>                     | IDTAG#<idTag> / OP#<operatorId> |
 * | charger                    | CP#<chargerId>              | CHARGER                           | OP#<operatorId> / CP#<chargerId>|
 * | live connection            | CP#<chargerId>              | CONNECTION                        |                                 |
 * | connection → charger       | CONN#<connectionId>         | CONN                              |                                 |
 * | connector (current status) | CP#<chargerId>              | CONNECTOR#<nnnn>                  |                                 |
 * | status history             | CPSTATUS#<chargerId>        | <nnnn>#<timestamp>#<messageId>    |                                 |
 * | inbound CALL (dedup)       | CP#<chargerId>              | MSG#<connectionId>#<messageId>    |                                 |
 * | transaction id counter     | CP#<chargerId>              | TXSEQ                             |                                 |
 * | StartTransaction dedup     | CP#<chargerId>              | TXSTART#<nnnn>#<timestamp>        |                                 |
 * | transaction                | TX#<chargerId>#<txId>       | TX                                | gsi3 OP#<operatorId> / TX#<startedAt> (keys only; gsi1 before, see TRANSACTION_LISTING_MIGRATION); gsi4 OPENTX#<shard 0..3> / <startedAt>#<chargerId>#<txId> until its charge is final (sparse, keys only; gsi2 before, see OPEN_TRANSACTION_KEYS_MIGRATION) |
 * | meter values (one message) | TX#<chargerId>#<txId>       | MV#<identity>                     |                                 |
 * | meter values, no tx        | CPMV#<chargerId>            | <nnnn>#<timestamp>#<identity>     |                                 |
 * | outbound call (platform →) | CP#<chargerId>              | CALL#<createdAt>#<messageId>      | OPENCALL / <deadline>#<chargerId>#<messageId> while open (sparse) |
 * | outstanding call lock      | CP#<chargerId>              | OUTSTANDING                       |                                 |
 * | registration prefix claim  | CPPREFIX#<prefix>           | CPPREFIX                          |                                 |
 * | data migration done        | MIGRATION#<name>            | MIGRATION                         |                                 |
 * | Stripe event (dedup)       | STRIPEEVT#<eventId>         | STRIPEEVT                         |                                 |
 * | charge finaliser timer     | SETTLE#<shard 0..3>         | <dueAt 12 digits>#<chargerId>#<txId> |                              |
 * | charge reconcile cursor    | SWEEP#charge-reconcile      | SWEEP                             |                                 |
 * | outbox: charge finalised   | OUTBOX#charge-finalised     | <finalisedAt>#<chargerId>#<txId>  |                                 |
 * | paid session               | PAY#<sessionId>             | PAY                               | PAYSWEEP / <sweepAt 12 digits>#<sessionId> while the sweeper has work (sparse) |
 * | Transaction URL → session  | PAYTOKEN#<sha256(token)>    | PAYTOKEN                          |                                 |
 * | session idTag → session    | PAYTAG#<idTag>              | PAYTAG                            |                                 |
 * | transaction → session      | PAYTX#<chargerId>#<txId>    | PAYTX                             |                                 |
 * | receipt owed (outbox)      | RECEIPT#<sessionId>         | <kind>#<copy 2 digits>            |                                 |
 * | failed logins of a charger | LOGINFAIL#CP#<chargerId>    | LOGINFAIL                         |                                 |
 * | failed logins of an address| LOGINFAIL#IP#<sourceIp>     | LOGINFAIL                         |                                 |
 * | operator user               | OP#<operatorId>             | USER#<userId>                     |                                 |
 * | user email → user          | USEREMAIL#<email>           | USEREMAIL                         |                                 |
 * | user session               | USERSESSION#<sha256(id)>    | USERSESSION                       |                                 |
 * | sign-in challenge          | SIGNIN#<sha256(token)>      | SIGNIN                            |                                 |
 * | user invitation            | INVITE#<sha256(token)>      | INVITE                            |                                 |
 * | failed sign-ins            | SIGNINFAIL#<ACCT|IP|2FA>#<subject> | SIGNINFAIL                 |                                 |
 * | payout (and its invoice)   | OP#<operatorId>             | PAYOUT#<payoutId>                 | OP#<operatorId> / PAYOUT#<created 12 digits>#<payoutId> |
 * | invoice number counter     | OP#<operatorId>             | INVOICESEQ                        |                                 |
 * | group member               | OP#<operatorId>             | MEMBER#<groupId>#<memberId>       |                                 |
 * | member invitation          | MEMBERINVITE#<sha256(token)>| MEMBERINVITE                      |                                 |
 * | member session             | MEMBERSESSION#<sha256(id)>  | MEMBERSESSION                     |                                 |
 * | connected account (Connect)| OP#<operatorId>             | CONNECT                           |                                 |
 * | Stripe account → operator  | CONNACCT#<acct_…>           | CONNACCT                          |                                 |
 * | session transfer           | XFER#<sessionId>            | XFER                              | XFERPENDING#<operatorId> / <createdAt>#<sessionId> while pending (sparse); gsi2 XFERSTALE / <createdAt>#<sessionId> while pending and not flagged (sparse); gsi4 XFERCLAIM / <sessionId> from a refund's reservation until the sweeper sees no claim (sparse, keys only) |
 * | fleet statement            | OP#<operatorId>             | FLEETSTMT#<fleetId>#<YYYY-MM>      |                                 |
 * | fleet statement line       | OP#<operatorId>             | FLEETSTMTLINE#<fleetId>#<YYYY-MM>#<startedAt>#<chargerId>#<txId 10 digits> |  |
 * | fleet statement claim      | OP#<operatorId>             | FLEETSTMTRUN#<fleetId>#<YYYY-MM>   |                                 |
 * | rate limit (uses in window)| OP#<operatorId>             | RATE#<action>#<resourceId>        |                                 |
 * | idempotency key (24 h)     | OP#<operatorId>             | IDEMP#<sha256 of the key>         |                                 |
 *
 * A transaction billed to a fleet (TransactionRecord.billedTo, party `fleet`, naming the fleet) takes
 * gsi2 FLEETTX#<operatorId>#<fleetId> / <startedAt>#<chargerId>#<txId> in the write that finalises its
 * charge, in place of the open-transaction entry that write removes (charge-repository.ts finalise).
 * So the monthly statement (app/fleets/) reads a fleet's month with one range query and no scan.
 * The entry is the session's place in the queue of what is not billed yet: the write that stores
 * its statement line (FLEETSTMTLINE#, one item per session, so a statement has no size limit) marks
 * the transaction `fleetBilledIn` and removes the entry, in one transaction. Lines sort by start,
 * charger and transaction (txId zero-padded), the statement's own line order.
 * Why gsi2 and only from finalisation: gsi2 projects every attribute, so the statement gets each
 * final charge from the index itself (no BatchGetItem), and a transaction is written to an index on
 * every update while it carries that index's key; before finalisation the recompute updates the
 * item on every MeterValues (issue 13's cost work moved transactions off gsi1 for that reason),
 * after it the item barely changes. The statement wants final charges only, so nothing is lost.
 * gsi3 (keys only, cheap to keep) already holds the transaction's operator listing key.
 *
 * Connector ids are zero-padded so that sort order is numeric order.
 * OCPP-J message ids are unique on one WebSocket connection only (a charger may count them from 1
 * again after a reboot), so no key holds a bare message id as a message's identity: a stored meter
 * message is keyed by its content (`<identity>`, ports/transactions.ts meterMessageIdentity), so a
 * resend under any id lands on the same key and a new reading under a reused id on another; the
 * inbound CALL marker (a StatusNotification without timestamp, whose content has no identity of its
 * own) holds the connection the id was unique on. Items written before these keys (`MV#<messageId>`,
 * `MSG#<messageId>`) stay readable: meter values are read by the `MV#` prefix, markers expire by TTL.
 * Meter values without a transaction use the first sample's timestamp (deterministic, so a repeated
 * message lands on the same key). A registration prefix claim lets unknown chargers whose id starts
 * with the prefix register as pending for the claiming operator (shared/app/ocpp/connection.ts).
 * Finaliser timers (shared/app/pricing/finalise.ts) are spread over CHARGE_TIMER_SHARDS partitions by a
 * hash of the transaction, and sorted by due time (zero-padded epoch seconds) so that the finaliser
 * finds what is due with one `sk < <now + 1>` query per shard, never a scan. Outbox items are the
 * durable events other flows consume from the table stream (INSERT); they expire by TTL.
 * Failed-login records (shared/app/ocpp/login-backoff.ts) expire by TTL an hour after their latest failure.
 * Operator users (shared/app/users/, adapters/dynamodb/users.ts) live in their operator's partition;
 * the email lookup (normalised email), sessions, challenges and invitations are found by a value or
 * the hash of a random token, and each names its operator. Sessions, challenges, invitations and
 * failed sign-in counts expire by TTL; their readers also check the time, as TTL deletes late.
 * Id tags are case-insensitive (OCPP CiString20), so their keys hold the normal form.
 * An operator API key is two items written and revoked together (operator-registry.ts): the lookup
 * item, found by the hash of the key a request presents (one GetItem, no index), and the listing
 * item in the operator's partition, which holds the hash so a revoke by key id finds the lookup item.
 * A key of another operator is thus out of reach by key id. Keys made before key ids existed have
 * only the lookup item: they work, but are not listed. Revoked keys' items expire by TTL 90 days
 * after revocation.
 *
 * No other file spells a prefix: queries use the `prefixes` below, readers of keys (the stream
 * parser, the views, the CDK stream filters) use the predicates and parsers at the end of this file.
 *
 * Time, one representation per kind of field:
 * | kind                                                  | representation                          | e.g.                         |
 * |-------------------------------------------------------|-----------------------------------------|------------------------------|
 * | event times (when something happened or was received: `startedAt`, `receivedAt`, `createdAt`, `deadline`, `finalisedAt`...) | ISO-8601 UTC with milliseconds, `Date.prototype.toISOString()` (string order is time order) | `2026-11-01T09:00:00.000Z` |
 * | times in sort keys (status history, start dedup, calls, outbox) | the same ISO-8601 string              | `CALL#2026-11-01T09:00:00.000Z#m1` |
 * | the table's TTL attribute `expiresAt`                  | epoch seconds, integer (DynamoDB TTL reads only numbers) | `1793523600`      |
 * | timer sort keys (finaliser)                            | epoch seconds, zero-padded to 12 digits (`epochSortKey`) | `001793523600#CP-1#7` |
 * | pricing's schedule fields (`lastSampleReceivedAt`, `stopReceivedAt`, `finaliseDueAt`, `holdExpiresAt`, a timer's `dueAt`) | epoch seconds, integer (pricing does arithmetic on them) | `1793523600` |
 * | `connectedAt` of a connection                          | epoch milliseconds, as API Gateway reports `requestContext.connectedAt` | `1793523600123` |
 * An id tag's validity (entities.ts `IdTag.expiresAt`, an ISO-8601 event time) is stored as
 * `validUntil`, never in the TTL attribute: an expired tag must stay to be refused as `Expired`
 * (charger-repository.ts `idTagItem`).
 */

import { normaliseIdTag } from '../../domain/id-tag.js';

export interface Key {
  pk: string;
  sk: string;
}

const pad = (n: number): string => String(n).padStart(4, '0');

/** The prefixes of the keys above, for `begins_with` queries and for reading keys back. */
export const prefixes = {
  operatorPartition: 'OP#',
  chargerPartition: 'CP#',
  transactionPartition: 'TX#',
  meterValues: 'MV#',
  outboundCall: 'CALL#',
  tariff: 'TARIFF#',
  operatorApiKey: 'APIKEY#',
  connector: 'CONNECTOR#',
  outbox: 'OUTBOX#',
  chargeTimer: 'SETTLE#',
  receipt: 'RECEIPT#',
  payout: 'PAYOUT#',
} as const;

/** Sort keys of singleton items. */
const SK = {
  operator: 'OPERATOR',
  charger: 'CHARGER',
  connection: 'CONNECTION',
  transaction: 'TX',
} as const;

function operatorPartition(operatorId: string): string {
  return `${prefixes.operatorPartition}${operatorId}`;
}
function chargerPartition(chargerId: string): string {
  return `${prefixes.chargerPartition}${chargerId}`;
}
function transactionPartition(chargerId: string, transactionId: number): string {
  return `${prefixes.transactionPartition}${chargerId}#${transactionId}`;
}

export const keys = {
  operator: (operatorId: string): Key => ({ pk: operatorPartition(operatorId), sk: SK.operator }),
  apiKey: (apiKeyHash: string): Key => ({ pk: `APIKEY#${apiKeyHash}`, sk: 'APIKEY' }),
  operatorApiKey: (operatorId: string, keyId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `${prefixes.operatorApiKey}${keyId}`,
  }),
  site: (operatorId: string, siteId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `SITE#${siteId}`,
  }),
  tariff: (operatorId: string, tariffId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `${prefixes.tariff}${tariffId}`,
  }),
  group: (operatorId: string, groupId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `GROUP#${groupId}`,
  }),
  idTag: (operatorId: string, idTag: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `IDTAG#${normaliseIdTag(idTag)}`,
  }),
  charger: (chargerId: string): Key => ({ pk: chargerPartition(chargerId), sk: SK.charger }),
  connection: (chargerId: string): Key => ({ pk: chargerPartition(chargerId), sk: SK.connection }),
  connectionById: (connectionId: string): Key => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  connector: (chargerId: string, connectorId: number): Key => ({
    pk: chargerPartition(chargerId),
    sk: `${prefixes.connector}${pad(connectorId)}`,
  }),
  statusEvent: (chargerId: string, connectorId: number, timestamp: string, messageId: string): Key => ({
    pk: `CPSTATUS#${chargerId}`,
    sk: `${pad(connectorId)}#${timestamp}#${messageId}`,
  }),
  inboundCall: (chargerId: string, connectionId: string, messageId: string): Key => ({
    pk: chargerPartition(chargerId),
    sk: `MSG#${connectionId}#${messageId}`,
  }),
  transactionCounter: (chargerId: string): Key => ({ pk: chargerPartition(chargerId), sk: 'TXSEQ' }),
  startDedup: (chargerId: string, connectorId: number, timestamp: string): Key => ({
    pk: chargerPartition(chargerId),
    sk: `TXSTART#${pad(connectorId)}#${timestamp}`,
  }),
  transaction: (chargerId: string, transactionId: number): Key => ({
    pk: transactionPartition(chargerId, transactionId),
    sk: SK.transaction,
  }),
  meterValues: (chargerId: string, transactionId: number, identity: string): Key => ({
    pk: transactionPartition(chargerId, transactionId),
    sk: `${prefixes.meterValues}${identity}`,
  }),
  outboundCall: (chargerId: string, createdAt: string, messageId: string): Key => ({
    pk: chargerPartition(chargerId),
    sk: `${prefixes.outboundCall}${createdAt}#${messageId}`,
  }),
  outstandingCall: (chargerId: string): Key => ({ pk: chargerPartition(chargerId), sk: 'OUTSTANDING' }),
  chargerMeterValues: (chargerId: string, connectorId: number, timestamp: string, identity: string): Key => ({
    pk: `CPMV#${chargerId}`,
    sk: `${pad(connectorId)}#${timestamp}#${identity}`,
  }),
  registrationPrefix: (prefix: string): Key => ({ pk: `CPPREFIX#${prefix}`, sk: 'CPPREFIX' }),
  stripeEvent: (eventId: string): Key => ({ pk: `STRIPEEVT#${eventId}`, sk: 'STRIPEEVT' }),
  migration: (name: string): Key => ({ pk: `MIGRATION#${name}`, sk: 'MIGRATION' }),
  reconcileCursor: (): Key => ({ pk: 'SWEEP#charge-reconcile', sk: 'SWEEP' }),
  chargeTimer: (dueAt: number, chargerId: string, transactionId: number): Key => ({
    pk: chargeTimerPartition(chargeTimerShard(chargerId, transactionId)),
    sk: `${epochSortKey(dueAt)}#${chargerId}#${transactionId}`,
  }),
  outbox: (topic: OutboxTopic, at: string, chargerId: string, transactionId: number): Key => ({
    pk: outboxPartition(topic),
    sk: `${at}#${chargerId}#${transactionId}`,
  }),
  paymentSession: (sessionId: string): Key => ({ pk: `PAY#${sessionId}`, sk: 'PAY' }),
  paymentToken: (tokenHash: string): Key => ({ pk: `PAYTOKEN#${tokenHash}`, sk: 'PAYTOKEN' }),
  paymentIdTag: (idTag: string): Key => ({ pk: `PAYTAG#${normaliseIdTag(idTag)}`, sk: 'PAYTAG' }),
  paymentTransaction: (chargerId: string, transactionId: number): Key => ({
    pk: `PAYTX#${chargerId}#${transactionId}`,
    sk: 'PAYTX',
  }),
  loginFailures: (subject: { chargerId: string } | { sourceIp: string }): Key => ({
    pk: 'chargerId' in subject ? `LOGINFAIL#CP#${subject.chargerId}` : `LOGINFAIL#IP#${subject.sourceIp}`,
    sk: 'LOGINFAIL',
  }),
  user: (operatorId: string, userId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `USER#${userId}`,
  }),
  userEmail: (email: string): Key => ({ pk: `USEREMAIL#${email}`, sk: 'USEREMAIL' }),
  userSession: (sessionHash: string): Key => ({ pk: `USERSESSION#${sessionHash}`, sk: 'USERSESSION' }),
  signInChallenge: (challengeHash: string): Key => ({ pk: `SIGNIN#${challengeHash}`, sk: 'SIGNIN' }),
  invitation: (invitationHash: string): Key => ({ pk: `INVITE#${invitationHash}`, sk: 'INVITE' }),
  signInFailures: (
    subject:
      | { account: string }
      | { address: string }
      | { secondFactorOf: { operatorId: string; userId: string } },
  ): Key => ({
    pk:
      'account' in subject
        ? `SIGNINFAIL#ACCT#${subject.account}`
        : 'address' in subject
          ? `SIGNINFAIL#IP#${subject.address}`
          : `SIGNINFAIL#2FA#${subject.secondFactorOf.operatorId}#${subject.secondFactorOf.userId}`,
    sk: 'SIGNINFAIL',
  }),
  payout: (operatorId: string, payoutId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `${prefixes.payout}${payoutId}`,
  }),
  invoiceCounter: (operatorId: string): Key => ({ pk: operatorPartition(operatorId), sk: 'INVOICESEQ' }),

  connectAccount: (operatorId: string): Key => ({ pk: operatorPartition(operatorId), sk: 'CONNECT' }),
  connectAccountOwner: (accountId: string): Key => ({ pk: `CONNACCT#${accountId}`, sk: 'CONNACCT' }),
  sessionTransfer: (sessionId: string): Key => ({ pk: `XFER#${sessionId}`, sk: 'XFER' }),
  /** An `Idempotency-Key` of the operator's, by a hash of it (the caller's key is any visible ASCII). */
  idempotencyKey: (operatorId: string, keyHash: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `IDEMP#${keyHash}`,
  }),
  rateLimit: (operatorId: string, action: string, resourceId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `RATE#${action}#${resourceId}`,
  }),
  fleetStatement: (operatorId: string, fleetId: string, month: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `FLEETSTMT#${fleetId}#${month}`,
  }),
  /** `startedAt` as ISO; see the note under the key table. */
  fleetStatementLine: (
    operatorId: string,
    fleetId: string,
    month: string,
    startedAt: string,
    chargerId: string,
    transactionId: number,
  ): Key => ({
    pk: operatorPartition(operatorId),
    sk: `FLEETSTMTLINE#${fleetId}#${month}#${startedAt}#${chargerId}#${String(transactionId).padStart(10, '0')}`,
  }),
  fleetStatementClaim: (operatorId: string, fleetId: string, month: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `FLEETSTMTRUN#${fleetId}#${month}`,
  }),
  receipt: (sessionId: string, kind: string, copy: number): Key => ({
    pk: `${prefixes.receipt}${sessionId}`,
    sk: `${kind}#${String(copy).padStart(2, '0')}`,
  }),
} as const;

/**
 * The open-transaction index (gsi4, sparse, keys only): a transaction carries it from its creation
 * until its charge is final, so the reconciliation sweep queries what is open instead of scanning
 * the table. Spread over the timer shards by the same hash, so no one index partition takes every
 * start. Transactions stored before gsi4 carry the same values on gsi2 (`gsi2.openTransaction`),
 * which projects every attribute; the sweep moves them (charge-repository.ts).
 */
export const OPEN_TRANSACTION_SHARDS = 4;

export const openTransactionPartition = (shard: number): string => `OPENTX#${shard}`;

const openTransactionEntry = (chargerId: string, transactionId: number, startedAt: string) => ({
  pk: openTransactionPartition(chargeTimerShard(chargerId, transactionId) % OPEN_TRANSACTION_SHARDS),
  sk: `${startedAt}#${chargerId}#${transactionId}`,
});
const fleetSessionPartition = (operatorId: string, fleetId: string): string =>
  `FLEETTX#${operatorId}#${fleetId}`;

/**
 * A fleet's sessions not billed yet that started before `beforeIso` on gsi2: every sort key carries
 * `#<chargerId>#<txId>` after the start time, so one starting at `beforeIso` sorts after it.
 */
export const unbilledFleetSessionsBefore = (operatorId: string, fleetId: string, beforeIso: string) =>
  ({ gsi2pk: fleetSessionPartition(operatorId, fleetId), before: beforeIso }) as const;

export const gsi2 = {
  /** A transfer still held and not flagged yet, for the stale-transfer sweep (shared/app/connect/transfers.ts). */
  unflaggedPendingTransfer: (createdAt: string, sessionId: string) => ({
    gsi2pk: 'XFERSTALE',
    gsi2sk: `${createdAt}#${sessionId}`,
  }),
  /** A final transaction billed to a fleet (sparse; see the note under the key table). */
  fleetSession: (
    operatorId: string,
    fleetId: string,
    startedAt: string,
    chargerId: string,
    transactionId: number,
  ) => ({
    gsi2pk: fleetSessionPartition(operatorId, fleetId),
    gsi2sk: `${startedAt}#${chargerId}#${transactionId}`,
  }),
  /** Where open transactions were listed before gsi4: read only by the move to gsi4. */
  openTransaction: (chargerId: string, transactionId: number, startedAt: string) => {
    const { pk, sk } = openTransactionEntry(chargerId, transactionId, startedAt);
    return { gsi2pk: pk, gsi2sk: sk };
  },
} as const;

export const gsi4 = {
  /** A transfer with a refund reserved, until the sweeper sees it without a claim (sparse). */
  refundClaimed: (sessionId: string) => ({ gsi4pk: 'XFERCLAIM', gsi4sk: sessionId }),
  openTransaction: (chargerId: string, transactionId: number, startedAt: string) => {
    const { pk, sk } = openTransactionEntry(chargerId, transactionId, startedAt);
    return { gsi4pk: pk, gsi4sk: sk };
  },
} as const;

/** Partitions the finaliser timers are spread over (each is queried every run). */
export const CHARGE_TIMER_SHARDS = 4;

export const chargeTimerPartition = (shard: number): string => `${prefixes.chargeTimer}${shard}`;

/** Every finaliser timer partition (the finaliser queries each of them). */
export const chargeTimerPartitions = (): string[] =>
  Array.from({ length: CHARGE_TIMER_SHARDS }, (_, shard) => chargeTimerPartition(shard));

export type OutboxTopic = 'charge-finalised';

export const outboxPartition = (topic: OutboxTopic): string => `${prefixes.outbox}${topic}`;

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

/** The gsi1 partition of the sparse payments sweep index (the payments sweeper queries it). */
export const PAY_SWEEP_PARTITION = 'PAYSWEEP';

/** The gsi1 partition that lists every fleet (group items of kind fleet; written rarely, read once a month). */
export const FLEETS_PARTITION = 'FLEETS';

export const gsi1 = {
  fleet: (operatorId: string, fleetId: string) => ({
    gsi1pk: FLEETS_PARTITION,
    gsi1sk: `${operatorId}#${fleetId}`,
  }),
  /** A transfer held until its operator's account can receive it (sparse: removed once paid). */
  pendingTransfer: (operatorId: string, createdAt: string, sessionId: string) => ({
    gsi1pk: `XFERPENDING#${operatorId}`,
    gsi1sk: `${createdAt}#${sessionId}`,
  }),
  chargerOfOperator: (operatorId: string, chargerId: string) => ({
    gsi1pk: operatorPartition(operatorId),
    gsi1sk: chargerPartition(chargerId),
  }),
  idTag: (operatorId: string, idTag: string) => ({
    gsi1pk: `IDTAG#${normaliseIdTag(idTag)}`,
    gsi1sk: operatorPartition(operatorId),
  }),
  /** An operator's payouts in time order (the payout's `created`, epoch seconds). */
  payoutOfOperator: (operatorId: string, createdAt: number, payoutId: string) => ({
    gsi1pk: operatorPartition(operatorId),
    gsi1sk: `${prefixes.payout}${epochSortKey(createdAt)}#${payoutId}`,
  }),
  /** Sparse: only open (queued or sent) platform → charger calls carry it; the call sweeper queries it. */
  /** Sparse: only paid sessions the sweeper must look at carry it (see payment-sessions.ts). */
  paymentSweep: (sweepAt: number, sessionId: string) => ({
    gsi1pk: PAY_SWEEP_PARTITION,
    gsi1sk: `${epochSortKey(sweepAt)}#${sessionId}`,
  }),
  openCall: (deadline: string, chargerId: string, messageId: string) => ({
    gsi1pk: 'OPENCALL',
    gsi1sk: `${deadline}#${chargerId}#${messageId}`,
  }),
} as const;

/**
 * The transaction listing's index (gsi3, keys only: table.ts). Transactions stored before it
 * carried the same keys on gsi1 (gsi1pk / gsi1sk), which projects every attribute; a one-time
 * pass moves them (transaction-repository.ts `moveTransactionsToListingIndex`).
 */
export const gsi3 = {
  transactionOfOperator: (operatorId: string, startedAt: string) => ({
    gsi3pk: operatorPartition(operatorId),
    gsi3sk: `${prefixes.transactionPartition}${startedAt}`,
  }),
} as const;

/** The gsi1 partition of the sparse open-call index (the call sweeper queries all of it). */
export const OPEN_CALL_PARTITION = gsi1.openCall('', '', '').gsi1pk;

/** Predicates and parsers for code that reads keys back (stream records, listings, views). */
export const keyOf = {
  /** `TX#<chargerId>#<txId>`: the transaction and its meter values. */
  isTransactionPartition: (pk: string): boolean => pk.startsWith(prefixes.transactionPartition),
  /**
   * The transaction a `TX#<chargerId>#<txId>` partition belongs to (the transaction id follows the
   * last `#`: a charger id may hold one), or undefined for another key.
   */
  transactionOfPartition: (pk: string): { chargerId: string; transactionId: number } | undefined => {
    if (!pk.startsWith(prefixes.transactionPartition)) return undefined;
    const rest = pk.slice(prefixes.transactionPartition.length);
    const cut = rest.lastIndexOf('#');
    const transactionId = Number(rest.slice(cut + 1));
    if (cut <= 0 || !Number.isSafeInteger(transactionId) || rest.slice(cut + 1) === '') return undefined;
    return { chargerId: rest.slice(0, cut), transactionId };
  },
  /** The transaction item itself within its partition. */
  isTransactionItem: (sk: string): boolean => sk === SK.transaction,
  /** One stored meter message within a transaction partition. */
  isMeterValues: (sk: string): boolean => sk.startsWith(prefixes.meterValues),
  isCharger: (sk: string): boolean => sk === SK.charger,
  isConnection: (sk: string): boolean => sk === SK.connection,
  isConnector: (sk: string): boolean => sk.startsWith(prefixes.connector),
  /** The connector id of a `CONNECTOR#<nnnn>` sort key. */
  connectorId: (sk: string): number => Number(sk.slice(prefixes.connector.length)),
  /** The `charge-finalised` outbox partition. */
  isChargeFinalisedOutbox: (pk: string): boolean => pk === outboxPartition('charge-finalised'),
  /** A receipt owed to a driver (`RECEIPT#<sessionId>`). */
  isReceipt: (pk: string): boolean => pk.startsWith(prefixes.receipt),
  /** The tariff id of a `TARIFF#<tariffId>` sort key. */
  tariffId: (sk: string): string => sk.slice(prefixes.tariff.length),
} as const;

/**
 * The charger partition's items a charger view needs (CHARGER, CONNECTION, CONNECTOR#...) sort
 * together between these bounds; the MSG#/CALL#/TX... items of the partition fall outside.
 */
export const chargerViewRange = { from: SK.charger, to: `${prefixes.connector}~` } as const;

/**
 * Key prefixes the CDK stream filter of the recompute function matches (lib/stateless-stack.ts):
 * the transaction partitions' meter values and transaction items.
 */
export const recomputeStreamKeys = {
  transactionPartitionPrefix: prefixes.transactionPartition,
  meterValuesSortKeyPrefix: prefixes.meterValues,
  transactionSortKey: SK.transaction,
} as const;

/**
 * The transaction item's mark that a write changed a pricing input (its value names the write, for
 * the logs): the recompute's stream filter passes a MODIFY of the transaction item only while it is
 * there, and the recompute's own writes remove it, so they never invoke it again (stream-filters.ts).
 */
export const REPRICE_DUE = 'repriceDue';

/**
 * Keys the CDK stream filter of the payments function matches (lib/stateless-stack.ts): transaction
 * items (their idTag tells a paid session), `charge-finalised` events and receipts owed.
 */
export const paymentsStreamKeys = {
  transactionPartitionPrefix: prefixes.transactionPartition,
  transactionSortKey: SK.transaction,
  chargeFinalisedPartition: outboxPartition('charge-finalised'),
  receiptPartitionPrefix: prefixes.receipt,
} as const;

/** What the reconciliation sweep's scan keeps: transaction items (their meter values share the partition). */
export const transactionItemScan = {
  pkPrefix: prefixes.transactionPartition,
  sk: SK.transaction,
} as const;

/**
 * A charger's calls created at or after `since`: the CALL# sort keys from that time on (the sort key
 * starts with the creation time; `~` sorts after every ISO-8601 character).
 */
export const outboundCallsSinceRange = (chargerId: string, since: string) =>
  ({
    pk: chargerPartition(chargerId),
    from: `${prefixes.outboundCall}${since}`,
    to: `${prefixes.outboundCall}~`,
  }) as const;

/**
 * A connector's start records with a timestamp before `timestamp` (queried backwards, the latest
 * first): BETWEEN is inclusive, so the record at `timestamp` itself is the caller's to skip.
 */
export const startsUpToRange = (chargerId: string, connectorId: number, timestamp: string) =>
  ({
    pk: chargerPartition(chargerId),
    from: keys.startDedup(chargerId, connectorId, '').sk,
    to: keys.startDedup(chargerId, connectorId, timestamp).sk,
  }) as const;

/** Partitions read whole (DynamoDB refuses an empty `begins_with` prefix on a key). */
export const partitions = {
  receiptsOfSession: (sessionId: string): string => keys.receipt(sessionId, '', 0).pk,
} as const;

/** A partition and the sort key prefix of the items a `begins_with` query wants from it. */
export interface PrefixQuery {
  pk: string;
  skPrefix: string;
}

/** The key conditions of the repositories' and views' `begins_with` queries. */
export const queries = {
  meterValues: (chargerId: string, transactionId: number): PrefixQuery => ({
    pk: transactionPartition(chargerId, transactionId),
    skPrefix: prefixes.meterValues,
  }),
  outboundCalls: (chargerId: string): PrefixQuery => ({
    pk: chargerPartition(chargerId),
    skPrefix: prefixes.outboundCall,
  }),
  statusHistory: (chargerId: string, connectorId: number): PrefixQuery => ({
    pk: keys.statusEvent(chargerId, connectorId, '', '').pk,
    skPrefix: `${pad(connectorId)}#`,
  }),
  /** On gsi1: `pk` is the gsi1pk, `skPrefix` the gsi1sk prefix. */
  chargersOfOperator: (operatorId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: prefixes.chargerPartition,
  }),
  /** An operator's API keys (their listing items), in key id order. */
  apiKeysOfOperator: (operatorId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: prefixes.operatorApiKey,
  }),
  /** On gsi1, newest first when queried backwards (gsi1sk holds the payout's creation time). */
  payoutsOfOperator: (operatorId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: prefixes.payout,
  }),
  /** A fleet's statements, in month order. */
  statementsOfFleet: (operatorId: string, fleetId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: keys.fleetStatement(operatorId, fleetId, '').sk,
  }),
  /** A fleet statement's lines, in line order. */
  linesOfStatement: (operatorId: string, fleetId: string, month: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: `FLEETSTMTLINE#${fleetId}#${month}#`,
  }),
  /** On gsi3, newest first when queried backwards (gsi3sk holds the start time). */
  transactionsOfOperator: (operatorId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: prefixes.transactionPartition,
  }),
} as const;

/**
 * Operator users listed, and closed-group members (adapters/dynamodb/members.ts): a member lives in
 * its operator's partition under its group, so one `begins_with` query lists a group; its
 * invitation and its member-page session are found by the SHA-256 of a random token, like users'.
 */
export const memberKeys = {
  member: (operatorId: string, groupId: string, memberId: string): Key => ({
    pk: operatorPartition(operatorId),
    sk: `MEMBER#${groupId}#${memberId}`,
  }),
  invitation: (invitationHash: string): Key => ({
    pk: `MEMBERINVITE#${invitationHash}`,
    sk: 'MEMBERINVITE',
  }),
  session: (sessionHash: string): Key => ({ pk: `MEMBERSESSION#${sessionHash}`, sk: 'MEMBERSESSION' }),
} as const;

export const memberQueries = {
  /** An operator's users, in user id order. */
  usersOfOperator: (operatorId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: keys.user(operatorId, '').sk,
  }),
  /** A group's members, in member id order. */
  membersOfGroup: (operatorId: string, groupId: string): PrefixQuery => ({
    pk: operatorPartition(operatorId),
    skPrefix: memberKeys.member(operatorId, groupId, '').sk,
  }),
} as const;
