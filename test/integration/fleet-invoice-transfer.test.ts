/**
 * A paid fleet invoice's money reaches the operator, end to end on the embedded platform (issue 12):
 * the monthly run invoices a fleet with payment through the platform's Stripe emulator, the fleet
 * pays it, the emulator's signed `invoice.paid` reaches the platform's webhook, and the platform
 * transfers what was paid less the operator's platform fee to the operator's connected account,
 * from the invoice's charge, once.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { onboardOperator } from '../../local/onboarded-operator.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoOperatorReader } from '../../shared/adapters/dynamodb/charger-repository.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../../shared/adapters/dynamodb/connect-store.js';
import { DynamoFleetStatements } from '../../shared/adapters/dynamodb/fleet-statements.js';
import { gsi2, keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { MemoryMailer } from '../../shared/adapters/memory/mailer.js';
import { createStripeClient } from '../../shared/adapters/stripe/client.js';
import { StripeFleetInvoicing } from '../../shared/adapters/stripe/fleet-invoices.js';
import { fleetInvoiceTransferKey } from '../../shared/app/connect/transfers.js';
import { runMonthlyStatements } from '../../shared/app/fleets/monthly-statements.js';
import { platformFeeMinor } from '../../shared/domain/platform-fee.js';
import { priceSession } from '../../shared/domain/pricing.js';
import { silentLog } from '../../shared/ports/log.js';
import { aChargingSession, DEMO_TARIFF } from '../fixtures/builders/pricing.js';

const platform = inject('platform');
const doc = createDocumentClient({ region: 'local', endpoint: platform.endpoints.dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const stripe = createStripeClient({
  secretKey: platform.stripeSecretKey,
  apiUrl: platform.endpoints.stripeUrl,
});
const run = randomUUID().slice(0, 6).toUpperCase();
const operatorId = `op-fi-${run}`;
const FEE = { bps: 200, fixedMinor: 30 };
const startedAt = '2026-11-10T09:00:00.000Z';
const charge = priceSession(DEMO_TARIFF, aChargingSession(30, { startedAt: Date.parse(startedAt) / 1000 }));
let accountId: string;

beforeAll(async () => {
  await new DynamoOperatorRegistry(table).create({
    operatorId,
    name: `Van Hire ${run}`,
    kind: 'fleet',
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: `ops-${run.toLowerCase()}@vanhire.example`,
    allowPendingChargers: false,
    allowFreeUse: false,
    preAuthAmountMinor: 5000,
    platformFee: FEE,
    createdAt: new Date().toISOString(),
  });
  accountId = await onboardOperator({
    table,
    stripeUrl: platform.endpoints.stripeUrl,
    stripeSecretKey: platform.stripeSecretKey,
    operatorId,
    currency: 'GBP',
    email: `owner-${operatorId}@vanhire.example`,
  });
  await new DynamoOperatorCatalog(doc, platform.tableName).createGroup({
    operatorId,
    groupId: 'vans',
    name: 'Vans',
    kind: 'fleet',
    withPayment: true,
    billingContact: { email: `accounts-${run.toLowerCase()}@vans.example`, name: 'Vans Ltd' },
  });
  // One final session of the fleet in November, as the finaliser leaves it.
  const chargerId = `CP-FI-${run}`;
  await doc.send(
    new PutCommand({
      TableName: platform.tableName,
      Item: {
        ...keys.transaction(chargerId, 1),
        ...gsi2.fleetSession(operatorId, 'vans', startedAt, chargerId, 1),
        entity: 'transaction',
        chargerId,
        transactionId: 1,
        operatorId,
        idTag: 'VAN-1',
        billedTo: { party: 'fleet', idTag: 'VAN-1', groupId: 'vans' },
        startedAt,
        status: 'final',
        finalisedAt: startedAt,
        charge,
        energyMilliWh: charge.energyMilliWh,
      },
    }),
  );
});

describe('a paid fleet invoice', () => {
  it("transfers what the fleet paid less the fee to the operator's account, from the invoice's charge", async () => {
    const operators = new DynamoOperatorReader(table);
    const fleets = new DynamoFleetStatements(table);
    const report = await runMonthlyStatements(
      {
        clock: { now: () => Date.parse('2026-12-01T12:00:00Z') },
        log: silentLog,
        fleets,
        invoicing: new StripeFleetInvoicing(async () => stripe),
        operators: { operator: (id) => operators.get(id) },
        mailer: new MemoryMailer(),
        invoiceDaysUntilDue: 30,
      },
      { operatorId, month: '2026-11' },
    );
    expect(report).toMatchObject({ fleets: 1, created: 1, invoiced: 1, failed: 0 });
    const invoiceId = (await fleets.get(operatorId, 'vans', '2026-11'))?.invoice?.stripeInvoiceId ?? '';
    const gross = charge.totals.grossMinor;
    expect((await stripe.invoices.retrieve(invoiceId)).amount_due).toBe(gross);

    await stripe.invoices.pay(invoiceId);
    const chargeId = (await stripe.invoicePayments.list({ invoice: invoiceId })).data[0]?.payment.charge;
    const group = fleetInvoiceTransferKey(invoiceId);
    await expect
      .poll(async () => (await stripe.transfers.list({ transfer_group: group })).data.length, {
        timeout: 20_000,
      })
      .toBe(1);
    const fee = platformFeeMinor(gross, FEE);
    expect(fee).toBeGreaterThan(FEE.fixedMinor);
    const [transfer] = (await stripe.transfers.list({ transfer_group: group })).data;
    expect(transfer).toMatchObject({
      amount: gross - fee,
      currency: 'gbp',
      destination: accountId,
      source_transaction: chargeId,
      metadata: { operatorId, fleetId: 'vans', month: '2026-11', invoiceId, feeMinor: String(fee) },
    });
    await expect
      .poll(async () => (await new DynamoConnectStore(table).transfer(group))?.status, { timeout: 10_000 })
      .toBe('paid');
  });
});
