/**
 * Calls the platform makes to chargers (RemoteStartTransaction, Reset, ...). OCPP-J allows one
 * outstanding CALL per direction, so each charger has one outstanding slot; other calls queue in
 * creation order. The reply arrives in a later $default invocation and is matched by message id.
 */

/**
 * A call's request or answer body: a JSON object. Storage keeps it opaque; the OCPP layer validates
 * it against the action's schema before it is sent and when its answer comes back.
 */
export type CallPayload = Record<string, unknown>;

/**
 * `timeout`: sent, and the charger did not answer by the deadline. `not-sent`: the call never left
 * the platform (no connection to send it on, or still waiting behind earlier calls at its queue
 * deadline), so the charger cannot have acted on it.
 */
export type CallStatus = 'queued' | 'sent' | 'succeeded' | 'failed' | 'timeout' | 'not-sent';

export const OPEN_CALL_STATUSES: readonly CallStatus[] = ['queued', 'sent'];

export interface CallFailure {
  /**
   * The charger's CALLERROR code (`source: 'charger'`), or the platform's reason: `ChargerOffline`,
   * `ChargerBusy` (not sent: earlier calls held the charger until the queue deadline), or the
   * validation code when the charger's CALLRESULT broke the `.conf` schema.
   */
  code: string;
  description: string;
  details?: CallPayload;
  source: 'charger' | 'platform';
}

export interface OutboundCallRecord {
  chargerId: string;
  messageId: string;
  action: string;
  payload: CallPayload;
  /** ISO-8601; orders the queue. */
  createdAt: string;
  /**
   * ISO-8601 end of the call's current wait: while queued, the last moment it may still be sent
   * (then it ends `not-sent`); once sent, the deadline for the charger's answer, counted from
   * `sentAt` (then it ends `timeout`). (Not `expiresAt`: that is the table's TTL attribute.)
   */
  deadline: string;
  /** Seconds the charger has to answer, counted from when the call is sent (absent on calls stored before issue 10). */
  timeoutSeconds?: number;
  status: CallStatus;
  operatorId?: string;
  sentAt?: string;
  connectionId?: string;
  completedAt?: string;
  result?: CallPayload;
  /** Set when `result` keeps only part of the charger's answer, and says what was left out. */
  resultTruncated?: string;
  error?: CallFailure;
}

/** The call currently holding a charger's outstanding slot. */
export interface OutstandingCall {
  messageId: string;
  createdAt: string;
  deadline: string;
}

export interface CallRef {
  chargerId: string;
  createdAt: string;
  messageId: string;
}

export interface SentCall {
  sentAt: string;
  connectionId: string;
  /** The answer's deadline. */
  deadline: string;
}

export interface CallOutcome {
  status: 'succeeded' | 'failed' | 'timeout' | 'not-sent';
  completedAt: string;
  result?: CallPayload;
  resultTruncated?: string;
  error?: CallFailure;
}

export interface OutboundCallRepository {
  create(call: OutboundCallRecord): Promise<void>;
  get(ref: CallRef): Promise<OutboundCallRecord | undefined>;
  /** Takes the charger's outstanding slot; false when another call holds it. */
  acquire(chargerId: string, call: OutstandingCall): Promise<boolean>;
  outstanding(chargerId: string): Promise<OutstandingCall | undefined>;
  /** Frees the slot if `messageId` holds it. */
  release(chargerId: string, messageId: string): Promise<void>;
  /** queued → sent, its `deadline` now the answer's; false if the call is no longer queued. */
  markSent(ref: CallRef, sent: SentCall): Promise<boolean>;
  /** Ends an open call; false (and nothing written) when it had already ended. */
  complete(ref: CallRef, outcome: CallOutcome): Promise<boolean>;
  /** The charger's queued calls, oldest first. */
  queued(chargerId: string): Promise<OutboundCallRecord[]>;
  /** Every open (queued or sent) call of every charger, soonest deadline first. */
  open(): Promise<OutboundCallRecord[]>;
  /**
   * The charger's calls created at or after `since` (ISO-8601), in any state, oldest first: what the
   * platform recently asked of it (a Pending charger may send what a TriggerMessage asked for).
   */
  createdSince(chargerId: string, since: string): Promise<OutboundCallRecord[]>;
}

/** Reaches a connected charger (API Gateway's `@connections` PostToConnection). */
export interface ChargerGateway {
  /** `gone` when the connection no longer exists. */
  send(
    target: { connectionId: string; domainName: string; stage: string },
    data: string,
  ): Promise<'sent' | 'gone'>;
  /** Closes a connection (`@connections` DELETE); `gone` when it no longer exists. */
  disconnect(target: { connectionId: string; domainName: string; stage: string }): Promise<'closed' | 'gone'>;
}
