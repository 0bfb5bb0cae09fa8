/**
 * Composition root for the OCPP functions that only look after a charger's link: the $connect
 * authorizer, $connect, $disconnect and the call sweeper. They need the chargers, connections and
 * the call queue, not the tariffs or the OCPP schemas, so they are built from here and not from
 * ocpp-deps.ts: what a function imports is what it loads at every cold start (npm run bench:cold).
 * ocpp-deps.ts builds the full OcppDeps on top of this.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayChargerGateway } from '../adapters/apigw/connections-gateway.js';
import { DynamoCallRepository } from '../adapters/dynamodb/call-repository.js';
import { DynamoChargerRepository, DynamoOperatorReader } from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoConnectionRepository } from '../adapters/dynamodb/connection-repository.js';
import { DynamoLoginFailureRepository } from '../adapters/dynamodb/login-failures.js';
import type { TableContext } from '../adapters/dynamodb/support.js';
import type { OcppDeps } from '../app/ocpp/deps.js';
import { type Clock, type IdGenerator, systemClock } from '../ports/clock.js';
import type { Log } from '../ports/log.js';
import { perConfig } from './config.js';
import { childLogger, powertoolsLog } from './logger.js';

/** What the link functions use: the authorizer's AuthDeps and the call queue's CommandDeps. */
export type LinkDeps = Pick<
  OcppDeps,
  | 'clock'
  | 'ids'
  | 'log'
  | 'settings'
  | 'chargers'
  | 'operators'
  | 'connections'
  | 'loginFailures'
  | 'calls'
  | 'gateway'
>;

export interface LinkDepsSettings {
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
}

/** OCPP message ids the platform sends: UUIDs (36 characters, OCPP-J's maximum). */
export const uuidIds: IdGenerator = { next: () => randomUUID() };

export function createLinkDeps(s: LinkDepsSettings): LinkDeps & { table: TableContext } {
  const doc = s.doc ?? createDocumentClient({ region: s.region, endpoint: s.dynamoEndpoint });
  const table: TableContext = { doc, tableName: s.tableName };
  const clock = s.clock ?? systemClock;
  return {
    table,
    clock,
    ids: uuidIds,
    log: s.log ?? powertoolsLog(childLogger('ocpp')),
    settings: {
      heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
      callTimeoutSeconds: s.callTimeoutSeconds,
    },
    chargers: new DynamoChargerRepository(table),
    operators: new DynamoOperatorReader(table),
    connections: new DynamoConnectionRepository(table, clock),
    loginFailures: new DynamoLoginFailureRepository(table),
    calls: new DynamoCallRepository(table),
    gateway: new ApiGatewayChargerGateway({ region: s.region, endpoint: s.connectionsEndpoint }),
  };
}

/** The container's deps (see perConfig). */
export const linkDeps: () => LinkDeps = perConfig((c) =>
  createLinkDeps({
    tableName: c.TABLE_NAME,
    region: c.AWS_REGION,
    dynamoEndpoint: c.DYNAMODB_ENDPOINT,
    connectionsEndpoint: c.CONNECTIONS_ENDPOINT,
    heartbeatIntervalSeconds: c.HEARTBEAT_INTERVAL_SECONDS,
    callTimeoutSeconds: c.CALL_TIMEOUT_SECONDS,
  }),
);
