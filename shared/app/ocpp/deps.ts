/**
 * Everything the OCPP use cases need, as one object of ports. Built once per container by
 * shared/lambda/ocpp-deps.ts (DynamoDB, API Gateway) or by shared/adapters/memory (tests, bench).
 */
import type { DataTransferConf, DataTransferReq } from '../../ocpp/v16/types.js';
import type { OcppVersion } from '../../ocpp/versions.js';
import type { ChargerGateway, OutboundCallRepository } from '../../ports/charger-calls.js';
import type { ChargerRepository, IdTagReader, OperatorReader } from '../../ports/charger-registry.js';
import type { StatusRepository } from '../../ports/charger-status.js';
import type { Clock, IdGenerator } from '../../ports/clock.js';
import type { ConnectionRepository } from '../../ports/connections.js';
import type { Log } from '../../ports/log.js';
import type { LoginFailureRepository } from '../../ports/login-failures.js';
import type { TariffSnapshotProvider } from '../../ports/tariff-snapshot.js';
import type { TransactionRepository } from '../../ports/transactions.js';

export interface OcppSettings {
  /** BootNotification interval (also the retry interval for Pending/Rejected). */
  heartbeatIntervalSeconds: number;
  /** Default deadline for platform → charger calls. */
  callTimeoutSeconds: number;
}

/** Handles DataTransfer for one vendorId (the registry is keyed by vendorId). */
export type DataTransferHandler = (
  ctx: { chargerId: string; operatorId: string; messageId: string },
  req: DataTransferReq,
) => Promise<DataTransferConf>;

export interface OcppDeps {
  clock: Clock;
  ids: IdGenerator;
  log: Log;
  settings: OcppSettings;
  chargers: ChargerRepository;
  operators: OperatorReader;
  idTags: IdTagReader;
  connections: ConnectionRepository<OcppVersion>;
  /** Failed charger logins, for the authorizer's back-off (login-backoff.ts). */
  loginFailures: LoginFailureRepository;
  statuses: StatusRepository;
  transactions: TransactionRepository;
  calls: OutboundCallRepository;
  gateway: ChargerGateway;
  tariffs: TariffSnapshotProvider;
  dataTransfer: ReadonlyMap<string, DataTransferHandler>;
}

/** Who sent a message, over which connection, and when it arrived. */
export interface ChargerSession {
  chargerId: string;
  operatorId: string;
  connectionId: string;
  protocol: OcppVersion;
  /** Registration as the authorizer saw it at connect; rechecked from the record when not `active`. */
  registration?: string;
  /**
   * The operator's `connectorCount` as the authorizer read it at connect (null: none set). Connector
   * ids are checked against it without reading the charger on every message; a count changed while
   * the charger is connected applies from its next connection. Absent: read the charger.
   */
  connectorCount?: number | null;
  domainName: string;
  stage: string;
}

/** One inbound CALL being handled. */
export interface CallContext extends ChargerSession {
  messageId: string;
  receivedAt: string;
}
