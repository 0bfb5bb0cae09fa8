/**
 * Composition root for the pricing handlers (stream recompute, finaliser): PricingDeps over
 * DynamoDB, with RemoteStopTransaction going through the OCPP command path. Built once per
 * container from config(); `createPricingDeps` builds the same from explicit settings
 * (integration tests and the bench point it at DynamoDB Local).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoChargeRepository } from '../adapters/dynamodb/charge-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { ocppChargerCommands } from '../app/ocpp/charger-commands-port.js';
import { DEFAULT_COST_CAP_MARGIN, type PricingDeps, type PricingSettings } from '../app/pricing/deps.js';
import { DEFAULT_HOLD_SAFETY_SECONDS } from '../domain/finalisation.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Log } from '../ports/log.js';
import { perConfig } from './config.js';
import { childLogger, powertoolsLog } from './logger.js';
import { createLinkDeps } from './ocpp-link-deps.js';

export interface PricingDepsSettings {
  tableName: string;
  region: string;
  dynamoEndpoint?: string | undefined;
  connectionsEndpoint?: string | undefined;
  settleWindowSeconds: number;
  callTimeoutSeconds: number;
  heartbeatIntervalSeconds?: number;
  holdSafetySeconds?: number;
  costCapMargin?: PricingSettings['costCapMargin'];
  doc?: DynamoDBDocumentClient;
  clock?: Clock;
  log?: Log;
}

export function createPricingDeps(s: PricingDepsSettings): PricingDeps {
  const doc = s.doc ?? createDocumentClient({ region: s.region, endpoint: s.dynamoEndpoint });
  const clock = s.clock ?? systemClock;
  const log = s.log ?? powertoolsLog(childLogger('pricing'));
  // RemoteStopTransaction needs only the call queue's deps, not the tariffs or the transactions.
  const ocpp = createLinkDeps({
    tableName: s.tableName,
    region: s.region,
    dynamoEndpoint: s.dynamoEndpoint,
    connectionsEndpoint: s.connectionsEndpoint,
    heartbeatIntervalSeconds: s.heartbeatIntervalSeconds ?? 300,
    callTimeoutSeconds: s.callTimeoutSeconds,
    doc,
    clock,
    log,
  });
  return {
    clock,
    log,
    charges: new DynamoChargeRepository({ doc, tableName: s.tableName }, () => clock.now()),
    commands: ocppChargerCommands(ocpp),
    settings: {
      settleWindowSeconds: s.settleWindowSeconds,
      holdSafetySeconds: s.holdSafetySeconds ?? DEFAULT_HOLD_SAFETY_SECONDS,
      costCapMargin: s.costCapMargin ?? DEFAULT_COST_CAP_MARGIN,
    },
  };
}

/** The container's deps (see perConfig). */
export const pricingDeps: () => PricingDeps = perConfig((c) =>
  createPricingDeps({
    tableName: c.TABLE_NAME,
    region: c.AWS_REGION,
    dynamoEndpoint: c.DYNAMODB_ENDPOINT,
    connectionsEndpoint: c.CONNECTIONS_ENDPOINT,
    settleWindowSeconds: c.SETTLE_WINDOW_SECONDS,
    callTimeoutSeconds: c.CALL_TIMEOUT_SECONDS,
    heartbeatIntervalSeconds: c.HEARTBEAT_INTERVAL_SECONDS,
  }),
);
