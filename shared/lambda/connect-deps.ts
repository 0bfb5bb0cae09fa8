/**
 * Composition root for the Connect flow (onboarding routes, the Connect webhook, the transfers the
 * payments stream records): ConnectDeps over DynamoDB, Stripe and SES, built once per container.
 * Undefined when this deployment takes no card payments (no Stripe key): nothing is owed then.
 */
import { DynamoOperatorReader } from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../adapters/dynamodb/connect-store.js';
import { DynamoReceiptOutbox } from '../adapters/dynamodb/receipt-outbox.js';
import { DynamoUserStore } from '../adapters/dynamodb/users.js';
import { StripeConnectGateway } from '../adapters/stripe/connect-gateway.js';
import type { ConnectDeps } from '../app/connect/deps.js';
import { systemClock } from '../ports/clock.js';
import { perConfig } from './config.js';
import { childLogger } from './logger.js';
import { powertoolsLog } from './ocpp-link-deps.js';
import { stripeClient } from './payments-deps.js';
import { sesMailerOnFirstSend } from './ses-mailer.js';

export const connectDeps: () => ConnectDeps | undefined = perConfig((c) => {
  if (!c.STRIPE_SECRET_KEY && !c.STRIPE_SECRET_ARN) return undefined;
  const doc = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  const t = { doc, tableName: c.TABLE_NAME };
  const operators = new DynamoOperatorReader(t);
  return {
    clock: systemClock,
    log: powertoolsLog(childLogger('connect')),
    settings: {
      publicBaseUrl: c.PUBLIC_BASE_URL,
      fee: { bps: c.PLATFORM_FEE_BPS, fixedMinor: c.PLATFORM_FEE_FIXED_MINOR },
      refundFeePolicy: c.REFUND_FEE_POLICY,
      pendingFlagDays: c.PENDING_TRANSFER_FLAG_DAYS,
    },
    operators: { operator: (operatorId) => operators.get(operatorId) },
    users: new DynamoUserStore(t),
    store: new DynamoConnectStore(t),
    stripe: new StripeConnectGateway(stripeClient(c)),
    mailer: sesMailerOnFirstSend(c),
    receipts: new DynamoReceiptOutbox(t),
  };
});
