/**
 * Live WebSocket connections: which connection reaches which charger.
 *
 * `Protocol` is the WebSocket subprotocol a connection speaks. Storage keeps it as a plain string;
 * the OCPP layer instantiates the port with its own version type (app/ocpp/deps.ts), since only it
 * decides which subprotocols exist.
 */

export interface ConnectionRecord<Protocol extends string = string> {
  connectionId: string;
  chargerId: string;
  operatorId: string;
  protocol: Protocol;
  /** Epoch milliseconds, as API Gateway reports `requestContext.connectedAt`; orders connections. */
  connectedAt: number;
  /** Where the `@connections` API of this connection lives (`https://{domainName}/{stage}` in AWS). */
  domainName: string;
  stage: string;
}

export interface ConnectionRepository<Protocol extends string = string> {
  /**
   * Records the connection. `superseded` when a newer connection of the same charger is already
   * recorded (its $connect was processed first); the newer one stays current.
   */
  open(connection: ConnectionRecord<Protocol>): Promise<'opened' | 'superseded'>;
  /**
   * Forgets the connection. The charger's current-connection record is removed only if it still
   * names this connection, so a late $disconnect of an old connection never erases a newer one.
   */
  close(chargerId: string, connectionId: string): Promise<'closed' | 'not-current'>;
  current(chargerId: string): Promise<ConnectionRecord<Protocol> | undefined>;
  byConnectionId(connectionId: string): Promise<ConnectionRecord<Protocol> | undefined>;
}
