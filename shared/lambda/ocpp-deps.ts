/**
 * Composition root for the OCPP $default handler (and the functions that send charger commands):
 * OcppDeps over DynamoDB and API Gateway, built once per container from config(), on top of the
 * link deps (ocpp-link-deps.ts) the connection functions use alone. `createOcppDeps` builds the same from explicit settings (integration
 * tests and benchmarks point it at the embedded platform).
 */
import { DynamoIdTagReader } from '../adapters/dynamodb/charger-repository.js';
import { DynamoStatusRepository } from '../adapters/dynamodb/status-repository.js';
import type { TableContext } from '../adapters/dynamodb/support.js';
import { DynamoTransactionRepository } from '../adapters/dynamodb/transaction-repository.js';
import type { DataTransferHandler, OcppDeps } from '../app/ocpp/deps.js';
import type { TariffSnapshotProvider } from '../ports/tariff-snapshot.js';
import { perConfig } from './config.js';
import { createLinkDeps, type LinkDepsSettings } from './ocpp-link-deps.js';

export { powertoolsLog } from './logger.js';
export { uuidIds } from './ocpp-link-deps.js';

export interface OcppDepsSettings extends LinkDepsSettings {
  dataTransfer?: ReadonlyMap<string, DataTransferHandler>;
}

/**
 * The tariff resolver (and with it the tariff schema, bands and time zones) is loaded by the first
 * StartTransaction or StopTransaction that needs a snapshot: $default's cold start is mostly a
 * Heartbeat, StatusNotification or MeterValues, which never price (npm run bench:cold).
 */
function tariffResolverOnFirstUse(table: TableContext): TariffSnapshotProvider {
  let resolver: Promise<TariffSnapshotProvider> | undefined;
  return {
    async snapshotFor(input) {
      resolver ??= import('../adapters/dynamodb/tariff-resolver.js').then(
        ({ DynamoTariffResolver }) => new DynamoTariffResolver(table),
        (error: unknown) => {
          // Not cached: the next call tries again.
          resolver = undefined;
          throw error;
        },
      );
      return (await resolver).snapshotFor(input);
    },
  };
}

export function createOcppDeps(s: OcppDepsSettings): OcppDeps {
  const { table, ...link } = createLinkDeps(s);
  return {
    ...link,
    idTags: new DynamoIdTagReader(table),
    statuses: new DynamoStatusRepository(table),
    transactions: new DynamoTransactionRepository(table),
    // Group price over charger over site (pricing engineer's resolver; same port as the default provider).
    tariffs: tariffResolverOnFirstUse(table),
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
