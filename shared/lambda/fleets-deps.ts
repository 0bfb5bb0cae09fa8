/**
 * Composition root for the fleet statements (the monthly run and the operator API's statement
 * routes): FleetsDeps over DynamoDB, SES and, where the deployment takes payments, Stripe.
 */
import { DynamoOperatorReader } from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoFleetStatements } from '../adapters/dynamodb/fleet-statements.js';
import { DynamoOperatorViews } from '../adapters/dynamodb/operator-views.js';
import { StripeFleetInvoicing } from '../adapters/stripe/fleet-invoices.js';
import { type FleetsDeps, INVOICE_DAYS_UNTIL_DUE } from '../app/fleets/deps.js';
import { systemClock } from '../ports/clock.js';
import { perConfig } from './config.js';
import { childLogger, powertoolsLog } from './logger.js';
import { sesMailerOnFirstSend } from './ses-mailer.js';
import { stripeClient } from './stripe-client.js';

export const fleetsDeps: () => FleetsDeps = perConfig((c) => {
  const doc = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  const t = { doc, tableName: c.TABLE_NAME };
  const operators = new DynamoOperatorReader(t);
  const views = new DynamoOperatorViews(doc, c.TABLE_NAME);
  const takesPayments = Boolean(c.STRIPE_SECRET_KEY || c.STRIPE_SECRET_ARN);
  return {
    clock: systemClock,
    log: powertoolsLog(childLogger('fleets')),
    fleets: new DynamoFleetStatements(t),
    ...(takesPayments ? { invoicing: new StripeFleetInvoicing(stripeClient(c)) } : {}),
    operators: { operator: (operatorId) => operators.get(operatorId) },
    siteName: async (operatorId, siteId) => (await views.site(operatorId, siteId))?.name,
    mailer: sesMailerOnFirstSend(c),
    invoiceDaysUntilDue: INVOICE_DAYS_UNTIL_DUE,
  };
});
