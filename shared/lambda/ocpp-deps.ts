/**
 * Composition root for the OCPP handlers: OcppDeps over DynamoDB and API Gateway, built once per
 * container from config(). `createOcppDeps` builds the same from explicit settings (integration
 * tests and benchmarks point it at the embedded platform).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayChargerGateway } from '../adapters/apigw/connections-gateway.js';
import { DynamoCallRepository } from '../adapters/dynamodb/call-repository.js';
import {
  DynamoChargerRepository,
  DynamoIdTagReader,
  DynamoOperatorReader,
} from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoConnectionRepository } from '../adapters/dynamodb/connection-repository.js';
import { DynamoLoginFailureRepository } from '../adapters/dynamodb/login-failures.js';
import { DynamoStatusRepository } from '../adapters/dynamodb/status-repository.js';
import type { TableContext } from '../adapters/dynamodb/support.js';
import { DynamoTariffResolver } from '../adapters/dynamodb/tariff-resolver.js';
import { DynamoTransactionRepository } from '../adapters/dynamodb/transaction-repository.js';
import type { DataTransferHandler, OcppDeps } from '../app/ocpp/deps.js';
import { type Clock, type IdGenerator, systemClock } from '../ports/clock.js';
import type { Log } from '../ports/log.js';
import { perConfig } from './config.js';
import { childLogger } from './logger.js';

export interface OcppDepsSettings {
  tableName: string;
  region: string;
  dynamoEndpoint?: string | undefined;
  connectionsEndpoint?: string | undefined;
  heartbeatIntervalSeconds: number;
  callTimeoutSeconds: number;
  /** Defaults to a document client built from region/endpoint. */
  doc?: DynamoDBDocumentClient;
  log?: Log;
  clock?: Clock;
  dataTransfer?: ReadonlyMap<string, DataTransferHandler>;
}

/** The Log port over a Powertools logger (extra attributes become top-level JSON keys). */
export function powertoolsLog(logger: Logger): Log {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (extra) logger[level](message, extra as LogAttributes);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** OCPP message ids the platform sends: UUIDs (36 characters, OCPP-J's maximum). */
export const uuidIds: IdGenerator = { next: () => randomUUID() };

export function createOcppDeps(s: OcppDepsSettings): OcppDeps {
  const doc = s.doc ?? createDocumentClient({ region: s.region, endpoint: s.dynamoEndpoint });
  const table: TableContext = { doc, tableName: s.tableName };
  return {
    clock: s.clock ?? systemClock,
    ids: uuidIds,
    log: s.log ?? powertoolsLog(childLogger('ocpp')),
    settings: {
      heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
      callTimeoutSeconds: s.callTimeoutSeconds,
    },
    chargers: new DynamoChargerRepository(table),
    operators: new DynamoOperatorReader(table),
    idTags: new DynamoIdTagReader(table),
    connections: new DynamoConnectionRepository(table),
    loginFailures: new DynamoLoginFailureRepository(table),
    statuses: new DynamoStatusRepository(table),
    transactions: new DynamoTransactionRepository(table),
    calls: new DynamoCallRepository(table),
    gateway: new ApiGatewayChargerGateway({ region: s.region, endpoint: s.connectionsEndpoint }),
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
