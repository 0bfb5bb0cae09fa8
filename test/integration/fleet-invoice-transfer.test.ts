/**
 * A paid fleet invoice's money reaches the operator, end to end on the embedded platform (issue 12):
 * the monthly run invoices a fleet with payment through the platform's Stripe emulator, the fleet
 * pays it, the emulator's signed `invoice.paid` reaches the platform's webhook, which marks the
 * statement's invoice paid and records what was paid less the platform fee (each session's fee,
 * summed) for the operator's connected account, from the invoice's charge, once: held while the
 * account is onboarding, transferred when it completes, the statement showing each state.
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
// Three sessions of the fleet in November, of different sizes.
const sessions = [
  ['2026-11-10T09:00:00.000Z', 30],
  ['2026-11-12T14:00:00.000Z', 7],
  ['2026-11-20T18:30:00.000Z', 53],
].map(([startedAt, samples], i) => ({
  startedAt: startedAt as string,
  transactionId: i + 1,
  charge: priceSession(
    DEMO_TARIFF,
    aChargingSession(samples as number, { startedAt: Date.parse(startedAt as string) / 1000 }),
  ),
}));
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
    // Transfers are held until onboarding completes, below.
    onboarding: 'started',
  });
  await new DynamoOperatorCatalog(doc, platform.tableName).createGroup({
    operatorId,
    groupId: 'vans',
    name: 'Vans',
    kind: 'fleet',
    withPayment: true,
    billingContact: { email: `accounts-${run.toLowerCase()}@vans.example`, name: 'Vans Ltd' },
  });
  // The fleet's final sessions of November, as the finaliser leaves them.
  const chargerId = `CP-FI-${run}`;
  for (const { startedAt, transactionId, charge } of sessions) {
    await doc.send(
      new PutCommand({
        TableName: platform.tableName,
        Item: {
          ...keys.transaction(chargerId, transactionId),
          ...gsi2.fleetSession(operatorId, 'vans', startedAt, chargerId, transactionId),
          entity: 'transaction',
          chargerId,
          transactionId,
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
  }
});

describe('a paid fleet invoice', () => {
  it("is marked paid, and transfers what the fleet paid less each session's fee, once the account can take it", async () => {
    const operators = new DynamoOperatorReader(table);
    const fleets = new DynamoFleetStatements(table);
    const deps = {
      clock: { now: () => Date.parse('2026-12-01T12:00:00Z') },
      log: silentLog,
      fleets,
      invoicing: new StripeFleetInvoicing(async () => stripe),
      operators: { operator: (id: string) => operators.get(id) },
      mailer: new MemoryMailer(),
      invoiceDaysUntilDue: 30,
    };
    const report = await runMonthlyStatements(deps, { operatorId, month: '2026-11' });
    expect(report).toMatchObject({ fleets: 1, created: 1, invoiced: 1, failed: 0 });
    const invoiceId = (await fleets.get(operatorId, 'vans', '2026-11'))?.invoice?.stripeInvoiceId ?? '';
    const grosses = sessions.map((x) => x.charge.totals.grossMinor);
    const gross = grosses.reduce((a, b) => a + b, 0);
    expect((await stripe.invoices.retrieve(invoiceId)).amount_due).toBe(gross);

    const paid = await stripe.invoices.pay(invoiceId);
    const chargeId = (await stripe.invoicePayments.list({ invoice: invoiceId })).data[0]?.payment.charge;
    // Each session's fee by hand: 2 % of its gross, half up, + 30; the fixed part once per session.
    const fee = grosses.reduce((sum, g) => sum + Math.floor((g * 200 + 5_000) / 10_000) + 30, 0);
    expect(fee).toBeGreaterThan(platformFeeMinor(gross, FEE));
    const paidAt = new Date((paid.status_transitions.paid_at ?? 0) * 1000).toISOString();
    await expect
      .poll(async () => (await fleets.get(operatorId, 'vans', '2026-11'))?.transfer, { timeout: 20_000 })
      .toEqual({ feeMinor: fee, netMinor: gross - fee, status: 'pending' });
    expect((await fleets.get(operatorId, 'vans', '2026-11'))?.invoice).toMatchObject({
      stripeInvoiceId: invoiceId,
      status: 'paid',
      paidAt,
      amountDueMinor: gross,
    });
    const group = fleetInvoiceTransferKey(invoiceId);
    expect((await stripe.transfers.list({ transfer_group: group })).data).toEqual([]);
    // Paid stays paid: a rerun of the month invoices nothing again, and a late `sent` does not undo it.
    expect(await runMonthlyStatements(deps, { operatorId, month: '2026-11' })).toMatchObject({
      invoiced: 0,
      failed: 0,
    });
    await fleets.saveInvoice(operatorId, 'vans', '2026-11', { stripeInvoiceId: invoiceId, status: 'sent' });
    expect((await fleets.get(operatorId, 'vans', '2026-11'))?.invoice).toMatchObject({
      status: 'paid',
      paidAt,
    });

    // Onboarding completes: the emulator's account.updated releases the held transfer.
    const done = await fetch(
      `${platform.endpoints.stripeUrl}/_emulator/accounts/${encodeURIComponent(accountId)}/complete_onboarding`,
      { method: 'POST', headers: { authorization: `Bearer ${platform.stripeSecretKey}` } },
    );
    expect(done.ok).toBe(true);
    await expect
      .poll(async () => (await stripe.transfers.list({ transfer_group: group })).data.length, {
        timeout: 20_000,
      })
      .toBe(1);
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
    const stored = await new DynamoConnectStore(table).transfer(group);
    expect((await fleets.get(operatorId, 'vans', '2026-11'))?.transfer).toEqual({
      feeMinor: fee,
      netMinor: gross - fee,
      status: 'paid',
      paidAt: stored?.paidAt,
    });
  });
});
