/**
 * Charging transactions as OCPP reports them, and their meter readings.
 *
 * The transaction record is shared: OCPP writes the start/stop fields below; the pricing stream
 * handler adds `charge`, `aggregate`, `chargeVersion`, `finalisedAt`, `discrepancies` and moves
 * `status` to `final`; the payments flow adds its `payment*` fields. Repositories therefore update
 * only the attributes they own and never replace the whole item once it exists.
 */
import { createHash } from 'node:crypto';
import type { MeterValue } from '../domain/meter.js';

export type TransactionStatus = 'active' | 'stopped' | 'final';

/**
 * What the platform answered about the id tag that started a transaction (the values of OCPP 1.6
 * `IdTagInfo.status`, kept here as the platform's own vocabulary so that storage needs no OCPP types).
 */
export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

/**
 * Flags for the operator's attention (a string set in DynamoDB, so any writer can `ADD` one):
 * - `start-missing`: created from a StopTransaction whose StartTransaction never arrived.
 * - `id-tag-not-accepted`: the charger started (e.g. offline) with a tag the platform refused.
 * - `stop-conflict`: a second, different StopTransaction arrived; the first one was kept.
 * - `superseded-by-new-start`: still open when a new StartTransaction began on its connector (its
 *   StopTransaction was late or lost); the platform stopped it at the new start (see v16/superseded-start.ts).
 * - `stop-replaced-by-charger`: after that, the charger's own StopTransaction arrived before the
 *   charge was final and replaced the platform's stop (the charger's is the truth). One arriving
 *   once the charge is final changes nothing and is a `stop-conflict`.
 */
export type TransactionFlag =
  | 'start-missing'
  | 'id-tag-not-accepted'
  | 'stop-conflict'
  | 'superseded-by-new-start'
  | 'stop-replaced-by-charger';

/** Who owes a session that no card pays: the member or fleet card that started it. */
export interface TransactionBilledTo {
  party: 'member' | 'fleet';
  idTag: string;
  /** The member's group, or the fleet card's price group, when the tag has one. */
  groupId?: string;
}

export interface TransactionRecord {
  chargerId: string;
  /** Unique per charger (an atomic counter per charger hands them out). */
  transactionId: number;
  operatorId: string;
  siteId?: string;
  /** Absent when the transaction was created from its StopTransaction (`start-missing`). */
  connectorId?: number;
  idTag?: string;
  idTagStatus?: IdTagStatus;
  meterStart?: number;
  /** The charger's StartTransaction timestamp (canonical UTC). */
  startedAt?: string;
  reservationId?: number;
  startMessageId?: string;
  /** From TariffSnapshotProvider at start; opaque to OCPP. */
  tariffSnapshot?: unknown;
  /**
   * Set when the access rules billed the session to a member or a fleet instead of a card
   * (domain/access-rules.ts): the operator collects what the charge comes to from them.
   */
  billedTo?: TransactionBilledTo;
  status: TransactionStatus;
  flags: string[];
  meterStop?: number;
  /** The charger's StopTransaction timestamp (canonical UTC). */
  stoppedAt?: string;
  stopReason?: string;
  /** StopTransaction's idTag; chargers may leave it out. */
  stopIdTag?: string;
  stopMessageId?: string;
  createdAt: string;
  updatedAt: string;
}

/** What a StopTransaction says about its transaction. */
export interface StopInfo {
  meterStop: number;
  stoppedAt: string;
  stopReason?: string;
  stopIdTag?: string;
  stopMessageId: string;
  receivedAt: string;
}

/** What the platform answered about a start's id tag (OCPP 1.6 `IdTagInfo`, in storage's own words). */
export interface StartIdTagInfo {
  status: IdTagStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

/** The natural key of a StartTransaction (connector + timestamp), used to recognise a replay. */
export interface StartRecord {
  chargerId: string;
  connectorId: number;
  timestamp: string;
  idTag: string;
  meterStart: number;
  transactionId: number;
  messageId: string;
  /**
   * The answer the start got, which a replay gets again: the charger acted on it, and a decision
   * taken anew (the tag blocked since) would contradict the transaction it holds. Absent on
   * records stored before it was kept.
   */
  idTagInfo?: StartIdTagInfo;
}

/**
 * One stored meter message: the samples of one MeterValues message (or of a StopTransaction's
 * transactionData), written once by OCPP and read by pricing (as {@link MeterMessage}) and by the
 * table stream. The one type for the item; the DynamoDB mapper is meter-values-items.ts.
 * Its identity is its content ({@link meterMessageIdentity}), not its message id: OCPP-J ids are
 * unique on one connection only, and a charger that counts them from 1 again after a reboot reuses
 * them for new readings.
 */
export interface MeterValuesRecord {
  chargerId: string;
  operatorId: string;
  /** Absent for readings the charger took outside any transaction. */
  transactionId?: number;
  connectorId: number;
  messageId: string;
  source: MeterMessageSource;
  /** The samples exactly as the charger sent them (timestamps canonical UTC). */
  meterValue: MeterValue[];
  /**
   * {@link MeterMessageFlag}s. OCPP stores a message without them (it does not read the
   * transaction first); the recompute adds them from the transaction it reads anyway
   * (pricing/meter-message-flags.ts).
   */
  flags: string[];
  /** Platform receive time, ISO-8601 (pricing's settle window is measured on it). */
  receivedAt: string;
}

export type MeterMessageSource = 'MeterValues' | 'StopTransaction';

/**
 * What the platform noticed about a stored meter message: it was received while its transaction
 * did not exist (`unknown-transaction`), or after the transaction's stop (`after-stop`).
 */
export type MeterMessageFlag = 'unknown-transaction' | 'after-stop';

/** A stored meter message as pricing reads it: what the recompute folds. */
export type MeterMessage = Pick<MeterValuesRecord, 'messageId' | 'source' | 'meterValue' | 'receivedAt'>;

/**
 * What makes two stored meter messages the same (within a transaction, or a charger's connector
 * and first sample time outside one): where they came from and their samples, as the charger sent
 * them (timestamps canonical). A resend under any message id, on any connection, has the same
 * identity; a new reading under a reused id has another. SHA-256 of canonical JSON (keys sorted),
 * base64url: 43 characters, so never equal to an OCPP message id (36 at most), which keyed the
 * items stored before.
 */
export function meterMessageIdentity(m: Pick<MeterValuesRecord, 'source' | 'meterValue'>): string {
  return createHash('sha256')
    .update(canonicalJson([m.source, m.meterValue]))
    .digest('base64url');
}

/** JSON with object keys sorted at every level, so that key order in the charger's frame does not matter. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The attributes of {@link MeterMessage}, for projections. */
export const METER_MESSAGE_ATTRIBUTES = [
  'messageId',
  'source',
  'meterValue',
  'receivedAt',
] as const satisfies readonly (keyof MeterMessage)[];

export interface TransactionRepository {
  findStart(chargerId: string, connectorId: number, timestamp: string): Promise<StartRecord | undefined>;
  /** The connector's start with the latest timestamp strictly before `timestamp`, if any. */
  latestStartBefore(
    chargerId: string,
    connectorId: number,
    timestamp: string,
  ): Promise<StartRecord | undefined>;
  /** The next id from the charger's atomic counter. */
  nextTransactionId(chargerId: string): Promise<number>;
  /** Raises the charger's counter to at least `transactionId`, so it never hands out an id a charger already used. */
  reserveTransactionId(chargerId: string, transactionId: number): Promise<void>;
  /**
   * Writes the start record and the transaction together, atomically.
   * `duplicate-start`: a start with this connector and timestamp is already stored (nothing written);
   * `id-taken`: a transaction with this id exists (e.g. created from a stop); take another id.
   */
  createStarted(
    tx: TransactionRecord,
    start: StartRecord | undefined,
  ): Promise<'created' | 'duplicate-start' | 'id-taken'>;
  get(chargerId: string, transactionId: number): Promise<TransactionRecord | undefined>;
  /** `already-stopped` writes nothing; `missing`: no such transaction (see createFromStop). */
  recordStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
  ): Promise<'stopped' | 'already-stopped' | 'missing'>;
  /**
   * Replaces the stop the platform wrote for a superseded transaction (`platformStopMessageId`, the
   * superseding start's message id) with the charger's own and adds `stop-replaced-by-charger`, in one
   * conditional write: only while the transaction is `stopped`, not finalised, still holds that stop
   * and has not been replaced before. `kept`: any of these failed, nothing written.
   */
  replaceSupersededStop(
    chargerId: string,
    transactionId: number,
    stop: StopInfo,
    platformStopMessageId: string,
  ): Promise<'replaced' | 'kept'>;
  /** Creates a transaction from its stop if none exists; `exists` when a concurrent write created it. */
  createFromStop(tx: TransactionRecord): Promise<'created' | 'exists'>;
  addFlag(chargerId: string, transactionId: number, flag: TransactionFlag): Promise<void>;
  /**
   * One conditional write; `duplicate` when a message of the same identity
   * ({@link meterMessageIdentity}) is already stored, whatever its message id.
   */
  putMeterValues(record: MeterValuesRecord): Promise<'stored' | 'duplicate'>;
  meterValuesOf(chargerId: string, transactionId: number): Promise<MeterValuesRecord[]>;
}
