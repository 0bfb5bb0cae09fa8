/** Connector status as StatusNotification reports it: the latest per connector, and the history. */

export interface StatusEvent {
  chargerId: string;
  operatorId: string;
  /** 0 is the charger as a whole. */
  connectorId: number;
  status: string;
  errorCode: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  /** The charger's timestamp (canonical UTC), or when the platform received it if the charger sent none. */
  timestamp: string;
  timestampSource: 'charger' | 'received';
  /**
   * What the current status is ordered by: `timestamp`, unless the charger's clock ran ahead of the
   * platform's beyond a small tolerance, then the receive time (a fast clock would otherwise pin a
   * stale status as current). Absent on events stored before it existed: `timestamp` orders them.
   */
  orderedAt?: string;
  messageId: string;
  /**
   * The WebSocket connection it arrived on: the scope its message id is unique in (absent on events
   * stored before it was kept).
   */
  connectionId?: string;
  receivedAt: string;
}

export interface StatusRepository {
  /**
   * Appends to the history (a repeat of the same message writes nothing: the same charger timestamp,
   * or without one the same message id on the same connection) and updates the current status only
   * if this event is newer than the one stored (by `orderedAt`, else `timestamp`), so late, queued events keep their place
   * in history without overwriting a fresher status.
   */
  record(event: StatusEvent): Promise<{ history: 'stored' | 'duplicate'; current: 'updated' | 'older' }>;
  current(chargerId: string, connectorId: number): Promise<StatusEvent | undefined>;
  history(chargerId: string, connectorId: number): Promise<StatusEvent[]>;
}
