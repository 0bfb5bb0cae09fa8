/**
 * The sessions' payment part as the operator API reads it (DynamoOperatorViews.paymentFacts), on a
 * table of its own on DynamoDB Local: a page's paid sessions, their transfers and the groups billed
 * are read in batched calls of at most 100 keys (never one read per session), and a record of
 * another operator is never in the answer, even when a transaction names it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensurePlatformTable } from '../../local/dynamodb-local.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConnectStore } from '../../shared/adapters/dynamodb/connect-store.js';
import { DynamoOperatorViews } from '../../shared/adapters/dynamodb/operator-views.js';
import { DynamoPaymentSessions } from '../../shared/adapters/dynamodb/payment-sessions.js';
import { transactionOut } from '../../shared/http/openapi/resources.js';
import type { TransactionView } from '../../shared/ports/operator-views.js';
import { aPaymentSession } from '../fixtures/contracts/payments.js';
import { countDynamoRequests } from '../fixtures/dynamo-requests.js';

const { dynamoEndpoint } = inject('platform').endpoints;
const tableName = `pay-facts-${Date.now().toString(36)}`;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName };
const A = 'op-facts-a';
const B = 'op-facts-b';
const PAGE = 60;
const AT = '2026-11-30T09:00:00.000Z';

const sessionIdOf = (n: number) => `PAYF-${n}`;
const txOf = (n: number, over: Record<string, unknown> = {}): TransactionView => ({
  chargerId: 'CP-FACTS',
  transactionId: n,
  operatorId: A,
  status: 'final',
  paymentSessionId: sessionIdOf(n),
  ...over,
});

beforeAll(async () => {
  await ensurePlatformTable(dynamoEndpoint, tableName);
  const sessions = new DynamoPaymentSessions(table);
  const connect = new DynamoConnectStore(table);
  for (let n = 1; n <= PAGE; n++) {
    // Settled sessions with nothing left for a sweeper: no sweep time.
    const { sweepAt: _none, ...session } = aPaymentSession({
      sessionId: sessionIdOf(n),
      operatorId: A,
      chargerId: 'CP-FACTS',
      transactionId: n,
      status: 'completed',
      preAuthAmountMinor: 3000,
      settlement: {
        outcome: 'captured',
        chargeGrossMinor: 1000 + n,
        capturedMinor: 1000 + n,
        releasedMinor: 2000 - n,
        shortfallMinor: 0,
        settledAt: AT,
      },
    });
    await sessions.create(session);
    await connect.createTransfer({
      sessionId: sessionIdOf(n),
      operatorId: A,
      chargerId: 'CP-FACTS',
      transactionId: n,
      currency: 'GBP',
      paymentIntentId: session.paymentIntentId,
      sourceChargeId: `ch_${n}`,
      grossMinor: 1000 + n,
      feeMinor: 100,
      netMinor: 900 + n,
      status: 'paid',
      reversedMinor: 0,
      refundedMinor: n % 2 === 0 ? 500 : 0,
      feeRefundedMinor: 0,
      createdAt: AT,
    });
  }
  const catalog = new DynamoOperatorCatalog(doc, tableName);
  await catalog.putGroup({ operatorId: A, groupId: 'vans', name: 'Depot vans', kind: 'fleet' });
  await catalog.putGroup({ operatorId: B, groupId: 'vans', name: "B's vans", kind: 'fleet' });
});
afterAll(() => doc.destroy());

describe("a page of sessions' payments", () => {
  it('reads every paid session, transfer and billed group of the page in batches of 100 keys', async () => {
    const page = [
      ...Array.from({ length: PAGE }, (_, i) => txOf(i + 1)),
      txOf(PAGE + 1, {
        paymentSessionId: undefined,
        billedTo: { party: 'fleet', idTag: 'V1', groupId: 'vans' },
      }),
    ];
    const counting = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
    const requests = countDynamoRequests(counting);
    const facts = await new DynamoOperatorViews(counting, tableName).paymentFacts(A, page);
    counting.destroy();
    // 60 sessions and 60 transfers and 1 group: 121 keys, two BatchGetItem calls and nothing else.
    expect(requests.byCommand).toEqual({ BatchGetItem: 2 });
    expect(facts.sessions.size).toBe(PAGE);
    expect(facts.transfers.size).toBe(PAGE);

    const out = page.map((tx) => transactionOut(tx, facts).payment);
    expect(out[1]).toMatchObject({
      method: 'card',
      state: 'partly-refunded',
      captured: { amountMinor: 1002, currency: 'GBP' },
      refunded: { amountMinor: 500, currency: 'GBP' },
      refundable: { amountMinor: 502, currency: 'GBP' },
      platformFee: { amountMinor: 100, currency: 'GBP' },
    });
    expect(out[0]).toMatchObject({ state: 'captured', refunded: { amountMinor: 0, currency: 'GBP' } });
    expect(out[PAGE]).toEqual({
      method: 'fleet-bill',
      billedTo: { kind: 'fleet', id: 'vans', name: 'Depot vans' },
    });
  });

  it("never answers another operator's paid session or group, even when a transaction names them", async () => {
    const views = new DynamoOperatorViews(doc, tableName);
    // B's transaction naming A's session (a forged or mistaken id): nothing of A's comes back.
    const forged = txOf(1, { operatorId: B });
    const facts = await views.paymentFacts(B, [forged]);
    expect(facts.sessions.size).toBe(0);
    expect(facts.transfers.size).toBe(0);
    expect(transactionOut(forged, facts).payment).toEqual({ method: 'card', sessionId: sessionIdOf(1) });
    // A page given with A's transaction in it, read as B: A's transaction is skipped altogether.
    expect((await views.paymentFacts(B, [txOf(2)])).sessions.size).toBe(0);
    const billed = txOf(3, {
      operatorId: B,
      paymentSessionId: undefined,
      billedTo: { party: 'fleet', idTag: 'V', groupId: 'vans' },
    });
    expect(transactionOut(billed, await views.paymentFacts(B, [billed])).payment.billedTo?.name).toBe(
      "B's vans",
    );
  });
});
