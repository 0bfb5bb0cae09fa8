/**
 * Composition root for the OCPP $default handler (and the functions that send charger commands):
 * OcppDeps over DynamoDB and API Gateway, built once per container from config(), on top of the
 * link deps (ocpp-link-deps.ts) the connection functions use alone. `createOcppDeps` builds the same from explicit settings (integration
 * tests and benchmarks point it at the embedded platform).
 */
import { DynamoIdTagReader } from '../adapters/dynamodb/charger-repository.js';
import { DynamoStatusRepository } from '../adapters/dynamodb/status-repository.js';
import { DynamoTariffResolver } from '../adapters/dynamodb/tariff-resolver.js';
import { DynamoTransactionRepository } from '../adapters/dynamodb/transaction-repository.js';
import type { DataTransferHandler, OcppDeps } from '../app/ocpp/deps.js';
import { perConfig } from './config.js';
import { createLinkDeps, type LinkDepsSettings } from './ocpp-link-deps.js';

export { powertoolsLog, uuidIds } from './ocpp-link-deps.js';

export interface OcppDepsSettings extends LinkDepsSettings {
  dataTransfer?: ReadonlyMap<string, DataTransferHandler>;
}

export function createOcppDeps(s: OcppDepsSettings): OcppDeps {
  const { table, ...link } = createLinkDeps(s);
  return {
    ...link,
    idTags: new DynamoIdTagReader(table),
    statuses: new DynamoStatusRepository(table),
    transactions: new DynamoTransactionRepository(table),
    // Group price over charger over site (pricing engineer's resolver; same port as the default provider).
    tariffs: new DynamoTariffResolver(table),
    dataTransfer: s.dataTransfer ?? new Map(),
  };
}

/** The container's deps (see perConfig). */
export const ocppDeps: () => OcppDeps = perConfig((c) =>
  createOcppDeps({
    tableName: c.TABLE_NAME,
    region: c.AWS_REGION,
    dynamoEndpoint: c.DYNAMODB_ENDPOINT,
    connectionsEndpoint: c.CONNECTIONS_ENDPOINT,
    heartbeatIntervalSeconds: c.HEARTBEAT_INTERVAL_SECONDS,
    callTimeoutSeconds: c.CALL_TIMEOUT_SECONDS,
  }),
);
