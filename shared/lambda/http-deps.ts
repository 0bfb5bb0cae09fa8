/**
 * Composition root for the HTTP API function: adapters built once per container, over the driver
 * side's (http-driver-deps.ts). The function loads this module with the operator API or the member
 * pages, on the first request for either. The operator API's commands to chargers go through the
 * OCPP command path, over the OCPP function's deps.
 */

import { DynamoOperatorCatalog } from '../adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../adapters/dynamodb/charger-admin.js';
import { DynamoChargerSettings } from '../adapters/dynamodb/charger-settings.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoIdempotencyKeys } from '../adapters/dynamodb/idempotency-keys.js';
import { DynamoMemberStore } from '../adapters/dynamodb/members.js';
import { DynamoOperatorRegistry } from '../adapters/dynamodb/operator-registry.js';
import { DynamoOperatorSettings } from '../adapters/dynamodb/operator-settings.js';
import { DynamoRateLimits } from '../adapters/dynamodb/rate-limits.js';
import { DynamoTariffStore } from '../adapters/dynamodb/tariff-store.js';
import { DynamoUserStore } from '../adapters/dynamodb/users.js';
import type { ConnectDeps } from '../app/connect/deps.js';
import type { FleetsDeps } from '../app/fleets/deps.js';
import type { CommandDeps } from '../app/ocpp/commands.js';
import type { PayoutsDeps } from '../app/payouts/deps.js';
import type {
  CatalogStore,
  ChargerSettings,
  OperatorCatalog,
  OperatorSettingsStore,
} from '../ports/catalog.js';
import type { ChargerAdmin } from '../ports/charger-admin.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { IdempotencyKeys } from '../ports/idempotency.js';
import type { Mailer } from '../ports/mailer.js';
import type { MemberStore } from '../ports/members.js';
import type { OperatorRegistry } from '../ports/operators.js';
import type { RateLimits } from '../ports/rate-limits.js';
import type { TariffCatalog, TariffStore } from '../ports/tariffs.js';
import type { UserStore } from '../ports/users.js';
import { perConfig } from './config.js';
import { connectDeps } from './connect-deps.js';
import { fleetsDeps } from './fleets-deps.js';
import { type HttpDriverDeps, httpDriverDeps } from './http-driver-deps.js';
import { ocppDeps } from './ocpp-deps.js';
import { sesMailerOnFirstSend } from './ses-mailer.js';

export interface HttpDeps extends HttpDriverDeps {
  /** Operators' API keys: issued, rotated and revoked through the operator API. */
  operators: OperatorRegistry;
  tariffs: TariffStore;
  chargerAdmin: ChargerAdmin;
  catalog: OperatorCatalog;
  clock: Clock;
  commands: CommandDeps;
  /** Base of the start pages the connector QR codes point at, and of invitation links. */
  publicBaseUrl: string;
  /** Operator users, their sign-in and sessions (shared/app/users/). */
  users: UserStore;
  /** Sign-in codes and invitations (SES; ses-local on one machine). */
  mailer: Mailer;
  /** The catalog's create/read/update/delete through the operator API (http/operations/catalog.ts). */
  catalogStore: CatalogStore;
  tariffCatalog: TariffCatalog;
  chargerSettings: ChargerSettings;
  operatorSettings: OperatorSettingsStore;
  /** What new chargers are told to connect to; absent: derived from publicBaseUrl. */
  ocppBaseUrl?: string;
  /** Closed groups' members and their member-page sessions. */
  members: MemberStore;
  /** Getting paid (Stripe Connect); absent when this deployment takes no card payments. */
  connect?: ConnectDeps | undefined;
  /** Payouts and their invoices (operations/payouts.ts); absent with `connect`. */
  payouts?: PayoutsDeps | undefined;
  /** Fleet statements (operations/fleets.ts). */
  fleets: FleetsDeps;
  /** Limits on costly requests (operations/payouts.ts). */
  rateLimits: RateLimits;
  /** The refunds' `Idempotency-Key`s (http/idempotency.ts). */
  idempotency: IdempotencyKeys;
}

/** The container's deps (see perConfig). */
export const httpDeps: () => HttpDeps = perConfig((c) => {
  const db = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  return {
    ...httpDriverDeps(),
    operators: new DynamoOperatorRegistry({ doc: db, tableName: c.TABLE_NAME }),
    tariffs: new DynamoTariffStore(db, c.TABLE_NAME),
    chargerAdmin: new DynamoChargerAdmin(db, c.TABLE_NAME),
    catalog: new DynamoOperatorCatalog(db, c.TABLE_NAME),
    clock: systemClock,
    commands: ocppDeps(),
    publicBaseUrl: c.PUBLIC_BASE_URL,
    users: new DynamoUserStore({ doc: db, tableName: c.TABLE_NAME }),
    mailer: sesMailerOnFirstSend(c),
    catalogStore: new DynamoOperatorCatalog(db, c.TABLE_NAME),
    tariffCatalog: new DynamoTariffStore(db, c.TABLE_NAME),
    chargerSettings: new DynamoChargerSettings(db, c.TABLE_NAME),
    operatorSettings: new DynamoOperatorSettings(db, c.TABLE_NAME),
    ...(c.OCPP_PUBLIC_URL ? { ocppBaseUrl: c.OCPP_PUBLIC_URL } : {}),
    members: new DynamoMemberStore({ doc: db, tableName: c.TABLE_NAME }),
    connect: connectDeps(),
    payouts: connectDeps()?.invoicing,
    fleets: fleetsDeps(),
    rateLimits: new DynamoRateLimits({ doc: db, tableName: c.TABLE_NAME }),
    idempotency: new DynamoIdempotencyKeys({ doc: db, tableName: c.TABLE_NAME }),
  };
});
