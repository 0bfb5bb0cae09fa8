/**
 * Composition root for the Connect flow (onboarding routes, the Connect webhook, the transfers the
 * payments stream records) and the payouts it leads to (invoices, their emails): ConnectDeps and
 * PayoutsDeps over DynamoDB, Stripe and SES, built once per container, sharing one mailer.
 * Undefined when this deployment takes no card payments (no Stripe key): nothing is owed then.
 */
import { DynamoOperatorReader } from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../adapters/dynamodb/connect-store.js';
import { DynamoFleetStatements } from '../adapters/dynamodb/fleet-statements.js';
import { DynamoPayoutStore } from '../adapters/dynamodb/invoices.js';
import { DynamoPaymentSessions } from '../adapters/dynamodb/payment-sessions.js';
import { DynamoReceiptOutbox } from '../adapters/dynamodb/receipt-outbox.js';
import { DynamoSessionTransactions } from '../adapters/dynamodb/session-transactions.js';
import { DynamoUserStore } from '../adapters/dynamodb/users.js';
import { StripeConnectGateway } from '../adapters/stripe/connect-gateway.js';
import { StripePayoutLedger } from '../adapters/stripe/payouts.js';
import type { ConnectEventDeps } from '../app/connect/connect-events.js';
import { systemClock } from '../ports/clock.js';
import { perConfig } from './config.js';
import { childLogger, powertoolsLog } from './logger.js';
import { sesMailerOnFirstSend } from './ses-mailer.js';
import { stripeClient } from './stripe-client.js';

export const connectDeps: () => ConnectEventDeps | undefined = perConfig((c) => {
  if (!c.STRIPE_SECRET_KEY && !c.STRIPE_SECRET_ARN) return undefined;
  const doc = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  const t = { doc, tableName: c.TABLE_NAME };
  const operators = new DynamoOperatorReader(t);
  const operatorOf = { operator: (operatorId: string) => operators.get(operatorId) };
  const stripe = stripeClient(c);
  const mailer = sesMailerOnFirstSend(c);
  return {
    clock: systemClock,
    log: powertoolsLog(childLogger('connect')),
    settings: {
      publicBaseUrl: c.PUBLIC_BASE_URL,
      fee: { bps: c.PLATFORM_FEE_BPS, fixedMinor: c.PLATFORM_FEE_FIXED_MINOR },
      refundFeePolicy: c.REFUND_FEE_POLICY,
      pendingFlagDays: c.PENDING_TRANSFER_FLAG_DAYS,
    },
    operators: operatorOf,
    users: new DynamoUserStore(t),
    store: new DynamoConnectStore(t),
    stripe: new StripeConnectGateway(stripe),
    mailer,
    receipts: new DynamoReceiptOutbox(t),
    fleetStatements: new DynamoFleetStatements(t),
    invoicing: {
      clock: systemClock,
      log: powertoolsLog(childLogger('payouts')),
      ledger: new StripePayoutLedger(stripe),
      payouts: new DynamoPayoutStore(t),
      operators: operatorOf,
      mailer,
      sessions: new DynamoPaymentSessions(t),
      transactions: new DynamoSessionTransactions(t),
    },
  };
});
