/**
 * Composition root for the payments flow (driver pages, Stripe webhook, payments stream, sweeper):
 * PaymentsDeps over DynamoDB, Stripe, SES and the OCPP command path, built once per container.
 * The Stripe secret key and the token secret are fetched on first use (Secrets Manager in AWS,
 * cached there), so building the deps stays synchronous.
 */
import { DynamoOperatorCatalog } from '../adapters/dynamodb/catalog.js';
import { DynamoChargerRepository, DynamoOperatorReader } from '../adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../adapters/dynamodb/connect-store.js';
import { DynamoOperatorViews } from '../adapters/dynamodb/operator-views.js';
import { DynamoPaymentSessions } from '../adapters/dynamodb/payment-sessions.js';
import { DynamoReceiptOutbox } from '../adapters/dynamodb/receipt-outbox.js';
import { DynamoSessionTransactions } from '../adapters/dynamodb/session-transactions.js';
import type { TableContext } from '../adapters/dynamodb/support.js';
import { StripePaymentGateway } from '../adapters/stripe/payment-gateway.js';
import { ocppSessionCharger } from '../app/ocpp/session-charger-port.js';
import type { PaymentCatalog, PaymentsDeps } from '../app/payments/deps.js';
import { sessionTokens } from '../app/payments/tokens.js';
import { systemClock } from '../ports/clock.js';
import type { ReceiptComposer } from '../ports/payments.js';
import { perConfig } from './config.js';
import { childLogger, powertoolsLog } from './logger.js';
import { linkDeps, uuidIds } from './ocpp-link-deps.js';
import { sessionTokenSecret } from './secrets.js';
import { sesMailerOnFirstSend } from './ses-mailer.js';
import { stripeClient } from './stripe-client.js';

/**
 * Receipts are laid out (shared/web/receipts: the models, the HTML, the tariff summary with the
 * tariff schema) when one is sent: the stream and the sweeper send one on some runs only, and the
 * layout code is a good part of what their cold start would otherwise compile (npm run bench:cold).
 */
const receiptsOnFirstUse: ReceiptComposer = {
  async compose(document) {
    const { receiptComposer } = await import('../web/receipts/composer.js');
    return receiptComposer.compose(document);
  },
};

function catalogOver(t: TableContext, views: DynamoOperatorViews): PaymentCatalog {
  const chargers = new DynamoChargerRepository(t);
  const operators = new DynamoOperatorReader(t);
  return {
    charger: (chargerId) => chargers.get(chargerId),
    operator: (operatorId) => operators.get(operatorId),
    site: (operatorId, siteId) => views.site(operatorId, siteId),
    async publicTariff(charger) {
      // Only the driver's start page asks for a tariff here: the tariff module is evaluated then.
      const { publicTariff, safeParseTariff } = await import('../domain/tariff.js');
      const site = charger.siteId ? await views.site(charger.operatorId, charger.siteId) : undefined;
      const choice = publicTariff({ charger: charger.tariffId, site: site?.tariffId });
      const stored = choice ? await views.tariff(charger.operatorId, choice.tariffId) : undefined;
      const parsed = stored ? safeParseTariff(stored) : undefined;
      return parsed?.ok ? parsed.tariff : undefined;
    },
  };
}

/**
 * The container's payments deps, or undefined when this deployment takes no card payments (no
 * publishable key configured): the driver pages then say card payment is unavailable.
 */
export const paymentsDeps: () => PaymentsDeps | undefined = perConfig((c) => {
  if (!c.STRIPE_PUBLISHABLE_KEY) return undefined;
  const doc = createDocumentClient({ region: c.AWS_REGION, endpoint: c.DYNAMODB_ENDPOINT });
  const t: TableContext = { doc, tableName: c.TABLE_NAME };
  const views = new DynamoOperatorViews(doc, c.TABLE_NAME);
  return {
    clock: systemClock,
    ids: uuidIds,
    log: powertoolsLog(childLogger('payments')),
    settings: {
      startTimeoutSeconds: c.START_TIMEOUT_SECONDS,
      settlementCheckSeconds: c.SETTLEMENT_CHECK_SECONDS,
      remoteStartWaitMs: c.REMOTE_START_WAIT_SECONDS * 1000,
      publicBaseUrl: c.PUBLIC_BASE_URL,
    },
    catalog: catalogOver(t, views),
    connect: new DynamoConnectStore(t),
    idTags: new DynamoOperatorCatalog(doc, c.TABLE_NAME),
    sessions: new DynamoPaymentSessions(t),
    payments: new StripePaymentGateway(stripeClient(c), c.STRIPE_PUBLISHABLE_KEY),
    charger: ocppSessionCharger(linkDeps()),
    transactions: new DynamoSessionTransactions(t),
    outbox: new DynamoReceiptOutbox(t),
    tokens: sessionTokens(sessionTokenSecret),
    mailer: sesMailerOnFirstSend(c),
    receipts: receiptsOnFirstUse,
  };
});

/** Payments deps where a function cannot run without them (stream, sweeper): a clear error otherwise. */
export function requirePaymentsDeps(): PaymentsDeps {
  const deps = paymentsDeps();
  if (!deps)
    throw new Error('payments are not configured: set STRIPE_PUBLISHABLE_KEY (context stripePublishableKey)');
  return deps;
}
