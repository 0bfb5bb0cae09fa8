/**
 * What the pricing use cases (shared/app/pricing) need from storage and from the charger side.
 *
 * The transaction record is shared (see ./transactions.ts): OCPP owns the start/stop fields, the
 * payments flow owns `preAuthAmountMinor` / `holdExpiresAt` (and its `payment*` fields), and pricing
 * owns the fields of {@link ChargeState}, plus `status: 'final'`. Pricing writes only its own
 * attributes, always conditionally on `chargeVersion`, so an older recompute never overwrites a
 * newer one.
 */
import type { ChargeAggregate } from '../domain/charge-aggregate.js';
import type { Charge } from '../domain/pricing.js';
import type {
  MeterMessage,
  MeterMessageFlag,
  TransactionBilledTo,
  TransactionStatus,
} from './transactions.js';

/** One MeterValues message (or a StopTransaction's transactionData) as OCPP stored it. */
export type { MeterMessage } from './transactions.js';

export interface TxKey {
  chargerId: string;
  transactionId: number;
}

/**
 * Something the table stream reported that may change a running charge:
 * - `meter-values`: a meter values item was written (its samples come with it, so the recompute
 *   never re-reads the samples it already folded);
 * - `transaction`: the transaction item was created or one of its pricing inputs changed (start,
 *   stop, tariff snapshot, pre-auth amount, hold expiry). `stopReceivedAt` is the platform time the
 *   StopTransaction was stored, when this change is the one that stored it.
 */
export type PricingTrigger =
  | {
      kind: 'meter-values';
      key: TxKey;
      message: MeterMessage;
      /** OCPP's flags the stored message already carries, when the trigger knows them (a stream image). */
      flags?: readonly string[];
    }
  | { kind: 'transaction'; key: TxKey; stopReceivedAt?: string };

/** Operator-visible problems found while pricing, keyed so that a replay never duplicates one. */
export interface Discrepancy {
  kind: 'sample-after-final' | 'stop-after-final' | 'unusable-energy-values';
  /** The message that brought it (meter values or StopTransaction). */
  messageId: string;
  receivedAt: string;
  /** Energy samples the message carried. */
  samples: number;
  /** Whether folding them would have changed the (already final) charge. */
  wouldChangeCharge?: boolean;
  /** For unusable values: why they were skipped (`unit`, `signed-data`, ...). */
  reasons?: string[];
  detail?: string;
}

/** Why the platform stopped a session for its cost cap; written once (a conditional write). */
export interface CostCapRecord {
  /** When the platform decided to stop (ISO-8601). */
  stoppedAt: string;
  reason: 'limit-reached' | 'projected-over-limit';
  projectedGrossMinor: number;
  limitMinor: number;
  preAuthAmountMinor: number;
  /** `requested` while the RemoteStopTransaction is being sent; then `sent` or `send-failed`. */
  status: 'requested' | 'sent' | 'send-failed';
  /** Sends tried so far: a `send-failed` stop is tried again on later updates, up to a limit. */
  attempts?: number;
  messageId?: string;
  error?: string;
}

/** Why a charge was finalised. */
export type FinalReason = 'settled' | 'hold-expiring';

/** The attributes pricing owns on the transaction item. */
export interface ChargeState {
  /** 0 until the first recompute; +1 on every pricing write. */
  chargeVersion: number;
  aggregate?: ChargeAggregate;
  /** Absent for a session without a (valid) tariff: energy only. */
  charge?: Charge;
  energyMilliWh?: number;
  /** Latest platform receive time of any meter message folded, epoch seconds. */
  lastSampleReceivedAt?: number;
  /** Platform receive time of the StopTransaction, epoch seconds. */
  stopReceivedAt?: number;
  /** When the finaliser should look at this transaction next (a timer item exists for it). */
  finaliseDueAt?: number;
  costCap?: CostCapRecord;
  finalisedAt?: string;
  finalReason?: FinalReason;
  discrepancies?: Record<string, Discrepancy>;
  /**
   * Pricing's flags for the operator (a string set of its own, apart from OCPP's `flags`):
   * `no-tariff`, `tariff-invalid`, `unusable-energy-values`, `sample-after-final`,
   * `pricing-input-invalid`.
   */
  chargeFlags?: string[];
}

/** The transaction as pricing sees it: OCPP's inputs, the payments seam, and the charge state. */
export interface PricedTransaction extends TxKey {
  operatorId: string;
  status: TransactionStatus;
  /** OCPP's flags (read only here). */
  flags: string[];
  meterStart?: number;
  startedAt?: string;
  meterStop?: number;
  stoppedAt?: string;
  stopMessageId?: string;
  createdAt?: string;
  updatedAt?: string;
  tariffSnapshot?: unknown;
  /** Payments seam: the card hold's amount, minor units. */
  preAuthAmountMinor?: number;
  /** Who owes the session when no card pays (OCPP's, read only here: a fleet's is indexed when final). */
  billedTo?: TransactionBilledTo;
  /** Payments seam: when the card hold lapses, epoch seconds. */
  holdExpiresAt?: number;
  charge: ChargeState;
}

/** A recompute's write: the new charge state (without version) and charge flags to add. */
export interface ChargeUpdate {
  aggregate: ChargeAggregate;
  charge?: Charge;
  energyMilliWh: number;
  lastSampleReceivedAt?: number;
  stopReceivedAt?: number;
  finaliseDueAt?: number;
  /** Set only when claiming the cost cap stop (the write then requires that none exists, or that the last send failed). */
  costCap?: CostCapRecord;
  addFlags: string[];
}

/** A finaliser timer item: "look at this transaction at `dueAt`". */
export interface ChargeTimer {
  key: TxKey;
  dueAt: number;
}

/** The event payments consume: one per transaction, written with the finalisation. */
export interface ChargeFinalisedEvent {
  type: 'charge-finalised';
  /** Stable per transaction: use it as the idempotency key of the capture. */
  eventId: string;
  chargerId: string;
  transactionId: number;
  operatorId: string;
  finalisedAt: string;
  reason: FinalReason;
  /** Null for a session without a tariff (nothing to capture). */
  charge: Charge | null;
  energyMilliWh: number;
  preAuthAmountMinor?: number;
  /** True when the session had not stopped (the hold was about to lapse). */
  stillRunning: boolean;
}

/** The finaliser's write. */
export interface Finalisation {
  finalisedAt: string;
  reason: FinalReason;
  charge?: Charge;
  energyMilliWh: number;
  /** 'final' once the session has stopped; a running session keeps its status until it stops. */
  markFinal: boolean;
  /** Set for a session billed to a fleet: the final transaction joins the fleet's statement index (keys.ts). */
  fleetSession?: { operatorId: string; fleetId: string; startedAt: string };
  event: ChargeFinalisedEvent;
}

export interface ChargeRepository {
  load(key: TxKey): Promise<PricedTransaction | undefined>;
  /**
   * Every meter message stored for the transaction. Only the rare path uses it: the first
   * recompute of a transaction, which folds messages that arrived before the transaction existed.
   */
  meterMessagesOf(key: TxKey): Promise<MeterMessage[]>;
  /**
   * One conditional write: `chargeVersion` must still be `expectedVersion` and the charge not
   * final (and, when `update.costCap` is set, no cost cap recorded). When `timerDueAt` is given a
   * finaliser timer item is written in the same transaction. `conflict`: re-read and re-fold.
   */
  saveCharge(
    key: TxKey,
    expectedVersion: number,
    update: ChargeUpdate,
    timerDueAt?: number,
  ): Promise<'saved' | 'conflict'>;
  /**
   * Adds pricing flags and changes nothing else (not even `chargeVersion`, so a recompute racing
   * it is not disturbed): how a transaction whose data cannot be priced is set before the
   * operator. A transaction not stored is left alone.
   */
  flagCharge(key: TxKey, addFlags: string[]): Promise<void>;
  /**
   * Adds OCPP's flags to a stored meter message of the transaction and changes nothing else. A
   * message not stored is left alone (never created), and a flag it has is not written again.
   */
  flagMeterMessage(key: TxKey, message: MeterMessage, flags: readonly MeterMessageFlag[]): Promise<void>;
  /** Records how sending the cost cap stop went (only the cost cap record changes). */
  recordCostCapOutcome(
    key: TxKey,
    outcome: Pick<CostCapRecord, 'status' | 'messageId' | 'error'>,
  ): Promise<void>;
  /**
   * After finalisation: adds discrepancies not yet recorded (a replay adds nothing) and, with
   * `markFinal`, moves a stopped transaction's status to `final`. `not-final`: nothing written.
   */
  recordAfterFinal(
    key: TxKey,
    entries: Record<string, Discrepancy>,
    markFinal: boolean,
    addFlags: string[],
  ): Promise<'saved' | 'not-final'>;
  /**
   * One page of the transactions whose charge is not final, in storage order, reading at most
   * `limit` items; `cursor` (opaque) continues where the last page ended, absent once the end is
   * reached. Feeds the reconciliation sweep (app/pricing/reconcile.ts), never the hot path.
   */
  unfinalisedTransactions(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ keys: TxKey[]; cursor?: string }>;
  /** Where the reconciliation sweep stopped (kept between runs so each run stays small). */
  loadReconcileCursor(): Promise<string | undefined>;
  saveReconcileCursor(cursor: string | undefined): Promise<void>;
  /** Timers due at or before `now` (epoch seconds), oldest first, at most `limit`. */
  dueTimers(now: number, limit: number): Promise<ChargeTimer[]>;
  deleteTimer(timer: ChargeTimer): Promise<void>;
  /**
   * Moves a timer: records `dueAt` on the transaction (conditional on the version; null clears
   * it), writes the new timer and deletes the old one, atomically.
   */
  rescheduleTimer(
    timer: ChargeTimer,
    expectedVersion: number,
    dueAt: number | null,
  ): Promise<'saved' | 'conflict'>;
  /**
   * Finalises atomically: the transaction (conditional on the version and on not being final),
   * the outbox event, and the timer's removal. `conflict`: something changed; look again later.
   */
  finalise(
    key: TxKey,
    expectedVersion: number,
    finalisation: Finalisation,
    timer?: ChargeTimer,
  ): Promise<'finalised' | 'conflict'>;
}

/** Platform → charger commands pricing needs. */
export interface ChargerCommands {
  /** Sends RemoteStopTransaction; resolves with the OCPP message id, throws when it cannot be sent. */
  remoteStop(key: TxKey): Promise<{ messageId: string }>;
}

/** The attributes pricing writes on the transaction item (other flows' tests leave them out of comparisons). */
export const PRICING_ATTRIBUTES = [
  'chargeVersion',
  'aggregate',
  'charge',
  'energyMilliWh',
  'lastSampleReceivedAt',
  'stopReceivedAt',
  'finaliseDueAt',
  'costCap',
  'finalisedAt',
  'finalReason',
  'discrepancies',
  'chargeFlags',
] as const;
