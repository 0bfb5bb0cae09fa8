import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleAccountUpdated } from '../../../shared/app/connect/account-updated.js';
import { startOnboarding } from '../../../shared/app/connect/onboarding.js';
import {
  finishLeftoverRefunds,
  REFUND_CLAIM_LEASE_MS,
  refundSession,
} from '../../../shared/app/connect/refunds.js';
import {
  flagStalePendingTransfers,
  heldTransfersOf,
  recordFleetInvoiceTransfer,
  recordSessionTransfer,
  releasePendingTransfers,
  STALE_TRANSFER_LOG_MESSAGE,
} from '../../../shared/app/connect/transfers.js';
import { summariseStatement } from '../../../shared/domain/fleet-statement.js';
import type { ConnectAccountState, PaidInvoice } from '../../../shared/ports/connect.js';
import { connectWorld, DAY_MS } from '../../fixtures/connect/world.js';

type World = ReturnType<typeof connectWorld>;

const captured = (sessionId: string, operatorId: string, capturedMinor: number) => ({
  sessionId,
  operatorId,
  chargerId: `CP-${operatorId}`,
  transactionId: 7,
  paymentIntentId: `pi_${sessionId}`,
  currency: 'GBP',
  settlement: {
    outcome: 'captured' as const,
    chargeGrossMinor: capturedMinor,
    capturedMinor,
    releasedMinor: 0,
    shortfallMinor: 0,
    settledAt: '2030-01-01T00:00:00.000Z',
  },
});

async function onboarded(w: World, operatorId: string, ready: boolean) {
  const { owner } = await w.addOperator(operatorId);
  const { accountId } = await startOnboarding(w.deps, owner);
  if (ready) await makeReady(w, accountId);
  return accountId;
}

async function makeReady(w: World, accountId: string): Promise<string> {
  const state: ConnectAccountState = w.stripe.setAccount(accountId, {
    chargesEnabled: true,
    payoutsEnabled: true,
    detailsSubmitted: true,
    capabilities: { card_payments: 'active', transfers: 'active' },
    requirementsDue: [],
  });
  return handleAccountUpdated(w.deps, { created: Math.floor(w.nowMs() / 1000), state });
}

describe('session transfers', () => {
  it('transfers captured − fee at once to a ready account, per the contract, and keeps the fee exactly', async () => {
    const w = connectWorld({ fee: { bps: 150, fixedMinor: 20 } });
    const accountId = await onboarded(w, 'op1', true);
    expect(await recordSessionTransfer(w.deps, captured('s1', 'op1', 1234))).toBe('paid');
    // 1.5 % of 1234 = 18.51 → 19, + 20 fixed = 39.
    expect(w.stripe.transfers).toEqual([
      {
        transferId: expect.any(String),
        amountMinor: 1195,
        currency: 'GBP',
        destination: accountId,
        sourceTransaction: 'ch_of_pi_s1',
        transferGroup: 's1',
        metadata: {
          operatorId: 'op1',
          sessionId: 's1',
          chargerId: 'CP-op1',
          transactionId: '7',
          grossMinor: '1234',
          feeMinor: '39',
        },
        idempotencyKey: 'transfer:s1',
      },
    ]);
    expect(await w.store.transfer('s1')).toMatchObject({ status: 'paid', feeMinor: 39, netMinor: 1195 });
    expect(await recordSessionTransfer(w.deps, captured('s1', 'op1', 1234))).toBe('already-recorded');
    expect(w.stripe.transfers).toHaveLength(1);
  });

  it("uses the operator's own fee over the deployment's", async () => {
    const w = connectWorld({ fee: { bps: 150, fixedMinor: 20 } });
    await onboarded(w, 'op1', true);
    const operator = w.operators.get('op1');
    if (operator) operator.platformFee = { bps: 0 };
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    expect(w.stripe.transfers[0]?.amountMinor).toBe(980);
  });

  it('holds transfers until the account can receive them, then releases each exactly once', async () => {
    const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
    const accountId = await onboarded(w, 'op1', false);
    expect(await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000))).toBe('pending');
    expect(await recordSessionTransfer(w.deps, captured('s2', 'op1', 500))).toBe('pending');
    expect(await releasePendingTransfers(w.deps, 'op1')).toBe(0);
    expect(w.stripe.transfers).toEqual([]);

    expect(await makeReady(w, accountId)).toBe('saved-and-released');
    expect(w.stripe.transfers.map((t) => [t.transferGroup, t.amountMinor])).toEqual([
      ['s1', 900],
      ['s2', 450],
    ]);
    // A redelivered account.updated, and a release retried, pay nothing again.
    expect(await makeReady(w, accountId)).toBe('saved');
    expect(await releasePendingTransfers(w.deps, 'op1')).toBe(0);
    expect(w.stripe.transfers).toHaveLength(2);
  });

  it('a release that crashed after Stripe made the transfer gets the same transfer back on retry', async () => {
    const w = connectWorld();
    const accountId = await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    w.stripe.setAccount(accountId, { capabilities: { transfers: 'active' } });
    await w.store.saveState(
      'op1',
      await w.stripe.retrieveAccount(accountId),
      Math.floor(w.nowMs() / 1000),
      'x',
    );
    const markPaid = w.store.markPaid.bind(w.store);
    w.store.markPaid = async () => {
      throw new Error('crashed before recording');
    };
    await expect(releasePendingTransfers(w.deps, 'op1')).rejects.toThrow('crashed');
    w.store.markPaid = markPaid;
    expect(await releasePendingTransfers(w.deps, 'op1')).toBe(1);
    expect(w.stripe.transfers).toHaveLength(1);
    expect((await w.store.transfer('s1'))?.transferId).toBe(w.stripe.transfers[0]?.transferId);
  });

  it('a release retried after Stripe forgot its key finds the transfer by transfer_group and records it', async () => {
    const w = connectWorld();
    const accountId = await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    w.stripe.setAccount(accountId, { capabilities: { transfers: 'active' } });
    await w.store.saveState(
      'op1',
      await w.stripe.retrieveAccount(accountId),
      Math.floor(w.nowMs() / 1000),
      'x',
    );
    const markPaid = w.store.markPaid.bind(w.store);
    w.store.markPaid = async () => {
      throw new Error('crashed before recording');
    };
    await expect(releasePendingTransfers(w.deps, 'op1')).rejects.toThrow('crashed');
    w.store.markPaid = markPaid;
    w.advance(2 * DAY_MS);
    w.stripe.forgetIdempotencyKeys();
    expect(await releasePendingTransfers(w.deps, 'op1')).toBe(1);
    expect(w.stripe.transfers).toHaveLength(1);
    expect(await w.store.transfer('s1')).toMatchObject({
      status: 'paid',
      transferId: w.stripe.transfers[0]?.transferId,
    });
  });

  it('flags a transfer pending longer than the limit, once', async () => {
    const w = connectWorld({ pendingFlagDays: 30 });
    await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    w.advance(29 * DAY_MS);
    expect(await flagStalePendingTransfers(w.deps)).toBe(0);
    w.advance(2 * DAY_MS);
    expect(await flagStalePendingTransfers(w.deps)).toBe(1);
    expect(await flagStalePendingTransfers(w.deps)).toBe(0);
    expect((await w.store.transfer('s1'))?.flaggedAt).toBeDefined();
  });

  it('a stale transfer is told to the platform (one WARN line) and shown to the operator', async () => {
    const w = connectWorld({ pendingFlagDays: 30, fee: { bps: 1000, fixedMinor: 0 } });
    const warnings: { message: string; fields: unknown }[] = [];
    w.deps.log = { ...w.deps.log, warn: (message, fields) => warnings.push({ message, fields }) };
    await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    const firstAt = new Date(w.nowMs()).toISOString();
    w.advance(20 * DAY_MS);
    await recordSessionTransfer(w.deps, captured('s2', 'op1', 500));
    w.advance(11 * DAY_MS);
    expect(await flagStalePendingTransfers(w.deps)).toBe(1);
    expect(warnings).toEqual([
      {
        message: STALE_TRANSFER_LOG_MESSAGE,
        fields: expect.objectContaining({ sessionId: 's1', operatorId: 'op1', netMinor: 900 }),
      },
    ]);
    expect(await heldTransfersOf(w.deps, 'op1')).toEqual({
      count: 2,
      amountMinor: 1350,
      flagged: 1,
      oldestSince: firstAt,
    });
    expect(await heldTransfersOf(w.deps, 'op2')).toEqual({ count: 0, amountMinor: 0, flagged: 0 });
  });
});

/** A session captured for 1000 with a 10 % fee, its transfer of 900 made to a ready account. */
async function paidTransferOf1000(): Promise<World> {
  const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
  await onboarded(w, 'op1', true);
  await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
  return w;
}

/** The first refund is made at Stripe, then its caller fails with `failure()` before seeing it. */
function failFirstRefundAfterStripe(w: World, failure: () => Error): void {
  const refund = w.stripe.refund.bind(w.stripe);
  let failed = false;
  w.stripe.refund = async (...args) => {
    const made = await refund(...args);
    if (failed) return made;
    failed = true;
    throw failure();
  };
}

/** A refund of session s1 whose function died after Stripe made it: no catch ran, the claim keeps its time. */
async function diedAfterStripe(w: World, amountMinor: number): Promise<void> {
  failFirstRefundAfterStripe(w, () => {
    w.store.abandonRefund = async () => undefined;
    return new Error('Task timed out after 25.00 seconds');
  });
  await expect(refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor })).rejects.toThrow();
}

describe('refunds', () => {
  it('a partial refund reverses the matching share of the transfer and of the fee', async () => {
    const w = connectWorld({ fee: { bps: 150, fixedMinor: 20 } });
    await onboarded(w, 'op1', true);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000)); // fee 35, net 965
    const refund = await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 400 });
    expect(refund).toMatchObject({
      amountMinor: 400,
      reversedMinor: 386,
      feeRefundedMinor: 14,
      refundableMinor: 600,
    });
    expect(w.stripe.refunds).toEqual([{ paymentIntentId: 'pi_s1', amountMinor: 400 }]);
    expect(w.stripe.reversals).toEqual([
      {
        transferId: w.stripe.transfers[0]?.transferId,
        amountMinor: 386,
        metadata: { sessionId: 's1', refundId: refund.refundId },
      },
    ]);
    await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1' });
    expect(w.stripe.reversals.reduce((s, r) => s + r.amountMinor, 0)).toBe(965);
    await expect(
      refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 1 }),
    ).rejects.toMatchObject({
      code: 'CONNECT_REFUND_TOO_LARGE',
    });
  });

  it('owes the driver one refund receipt per refund, queued once however often the refund is retried', async () => {
    const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
    await onboarded(w, 'op1', true);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    const first = await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 300 });
    await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 200 });
    expect(w.receipts.items).toEqual([
      expect.objectContaining({
        sessionId: 's1',
        kind: 'refund',
        copy: 0,
        refund: expect.objectContaining({
          refundId: first.refundId,
          amountMinor: 300,
          refundedTotalMinor: 300,
          capturedMinor: 1000,
        }),
      }),
      expect.objectContaining({
        kind: 'refund',
        copy: 300,
        refund: expect.objectContaining({ amountMinor: 200, refundedTotalMinor: 500 }),
      }),
    ]);
    // Finishing the second's claim again (a retry after a crash before its record): same Stripe
    // refund, same receipt.
    const stored = w.store.transfers.get('s1');
    const claim = { offsetMinor: 300, amountMinor: 200, claimedAtMs: 0 };
    if (stored)
      w.store.transfers.set('s1', { ...stored, refundedMinor: 300, refundClaims: { '300': claim } });
    await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 200 });
    expect(w.receipts.items).toHaveLength(2);
    expect(w.stripe.refunds).toHaveLength(2);
    expect(await w.store.transfer('s1')).toMatchObject({
      refundedMinor: 500,
      claimedMinor: 500,
      refundClaims: {},
    });
  });

  it('refunds run at once: exactly those that fit are made, and the shares add up to one refund of their sum', async () => {
    const w = connectWorld({ fee: { bps: 175, fixedMinor: 15 } });
    await onboarded(w, 'op1', true);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000)); // fee 33, net 967
    const amounts = [300, 250, 300, 120, 300, 90];
    const reserve = w.store.reserveRefund.bind(w.store);
    let lostRaces = 0;
    w.store.reserveRefund = async (...args) => {
      const outcome = await reserve(...args);
      if (outcome === 'conflict') lostRaces += 1;
      return outcome;
    };
    const outcomes = await Promise.allSettled(
      amounts.map((amountMinor) =>
        refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor }),
      ),
    );
    const made = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    const refundedMinor = made.reduce((a, r) => a + r.amountMinor, 0);
    // They did read the same claimed total: the reservation's condition is what kept them apart.
    expect(lostRaces).toBeGreaterThan(0);
    expect(refundedMinor).toBeLessThanOrEqual(1000);
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal).toMatchObject({ code: 'CONNECT_REFUND_TOO_LARGE' });
    // What was refused could not fit beside what was made.
    const refusedAmounts = amounts.filter((_, i) => outcomes[i]?.status === 'rejected');
    for (const amount of refusedAmounts) expect(amount).toBeGreaterThan(1000 - refundedMinor);
    expect(w.stripe.refunds.reduce((a, r) => a + r.amountMinor, 0)).toBe(refundedMinor);
    expect(w.stripe.reversals.map((r) => r.amountMinor).sort()).toEqual(
      made.map((r) => r.reversedMinor).sort(),
    );
    const t = await w.store.transfer('s1');
    expect(t).toMatchObject({ refundedMinor, claimedMinor: refundedMinor, refundClaims: {} });
    // The same shares as one refund of the sum: 33 × refunded / 1000, half up, back from the fee.
    const feeBack = Math.floor((2 * 33 * refundedMinor + 1000) / 2000);
    expect(t).toMatchObject({ feeRefundedMinor: feeBack, reversedMinor: refundedMinor - feeBack });
    expect(w.stripe.reversals.reduce((a, r) => a + r.amountMinor, 0)).toBe(refundedMinor - feeBack);
  });

  it('a refund that failed after its reservation is finished by the same request again: once, nothing blocked', async () => {
    const w = await paidTransferOf1000();
    // Stripe made the refund, the answer never came back.
    failFirstRefundAfterStripe(w, () => new Error('socket hang up'));
    const failure = await refundSession(w.deps, {
      operatorId: 'op1',
      sessionId: 's1',
      amountMinor: 600,
    }).catch((err: unknown) => err);
    // The caller hears that it is reserved and will be finished, not Stripe's own failure.
    expect(failure).toMatchObject({ code: 'CONNECT_REFUND_PENDING', cause: { message: 'socket hang up' } });
    expect(String(failure)).toMatch(/reserved but Stripe did not confirm it/);
    // The 600 stay claimed (no other refund can take them), free to finish at once.
    expect(await w.store.transfer('s1')).toMatchObject({
      claimedMinor: 600,
      refundedMinor: 0,
      refundClaims: { '0': { offsetMinor: 0, amountMinor: 600, claimedAtMs: 0 } },
    });
    const again = await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 600 });
    expect(again).toMatchObject({ amountMinor: 600, reversedMinor: 540, refundedTotalMinor: 600 });
    expect(w.stripe.refunds).toEqual([{ paymentIntentId: 'pi_s1', amountMinor: 600 }]);
    expect(w.stripe.reversals.map((r) => r.amountMinor)).toEqual([540]);
    expect(w.receipts.items).toHaveLength(1);
    expect(await w.store.transfer('s1')).toMatchObject({
      claimedMinor: 600,
      refundedMinor: 600,
      refundClaims: {},
    });
  });

  it('a refund whose function died after Stripe: past the lease, the next refund of the session finishes it first', async () => {
    const w = await paidTransferOf1000();
    await diedAfterStripe(w, 400);
    // Within the lease the claim is still its request's: a new refund only gets what is left.
    await expect(
      refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 700 }),
    ).rejects.toMatchObject({ code: 'CONNECT_REFUND_TOO_LARGE' });
    w.advance(REFUND_CLAIM_LEASE_MS);
    const other = await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 100 });
    expect(other).toMatchObject({ amountMinor: 100, refundedTotalMinor: 500 });
    expect(w.stripe.refunds.map((r) => r.amountMinor)).toEqual([400, 100]);
    expect(w.stripe.reversals.map((r) => r.amountMinor)).toEqual([360, 90]);
    expect(w.receipts.items.map((r) => r.copy)).toEqual([0, 400]);
    expect(await w.store.transfer('s1')).toMatchObject({
      claimedMinor: 500,
      refundedMinor: 500,
      refundClaims: {},
    });
  });

  it('a refund whose function died after Stripe, with no refund sent again: the sweeper finishes it past the lease', async () => {
    const w = await paidTransferOf1000();
    await diedAfterStripe(w, 400);
    // Within the lease the request may still be running: the sweeper leaves it.
    expect(await finishLeftoverRefunds(w.deps)).toEqual({ finished: 0, failed: 0, unmarked: 0 });
    w.advance(REFUND_CLAIM_LEASE_MS);
    expect(await finishLeftoverRefunds(w.deps)).toEqual({ finished: 1, failed: 0, unmarked: 0 });
    // Made once at Stripe (keyed by the claim), the operator's share reversed, the receipt owed.
    expect(w.stripe.refunds).toEqual([{ paymentIntentId: 'pi_s1', amountMinor: 400 }]);
    expect(w.stripe.reversals.map((r) => r.amountMinor)).toEqual([360]);
    expect(w.receipts.items.map((r) => r.copy)).toEqual([0]);
    expect(await w.store.transfer('s1')).toMatchObject({
      claimedMinor: 400,
      refundedMinor: 400,
      refundClaims: {},
    });
    // The next run drops the mark; the one after finds nothing to read.
    expect(await finishLeftoverRefunds(w.deps)).toEqual({ finished: 0, failed: 0, unmarked: 1 });
    expect(await w.store.refundClaimMarks()).toEqual([]);
    expect(w.stripe.refunds).toHaveLength(1);
  });

  it('the sweeper retries a left-over refund Stripe keeps failing, and finishes it when Stripe answers', async () => {
    const w = await paidTransferOf1000();
    const refund = w.stripe.refund.bind(w.stripe);
    let down = true;
    w.stripe.refund = async (...args) => {
      if (down) throw new Error('Stripe is unavailable');
      return refund(...args);
    };
    await expect(
      refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 250 }),
    ).rejects.toMatchObject({ code: 'CONNECT_REFUND_PENDING' });
    // Abandoned by its failed request, so free at once: tried, and failed again while Stripe is down.
    expect(await finishLeftoverRefunds(w.deps)).toEqual({ finished: 0, failed: 1, unmarked: 0 });
    expect(await w.store.transfer('s1')).toMatchObject({ claimedMinor: 250, refundedMinor: 0 });
    down = false;
    expect(await finishLeftoverRefunds(w.deps)).toEqual({ finished: 1, failed: 0, unmarked: 0 });
    expect(w.stripe.refunds).toEqual([{ paymentIntentId: 'pi_s1', amountMinor: 250 }]);
    expect(await w.store.transfer('s1')).toMatchObject({
      claimedMinor: 250,
      refundedMinor: 250,
      refundClaims: {},
    });
  });

  it("refuses another operator's session as missing", async () => {
    const w = connectWorld();
    await onboarded(w, 'op1', true);
    await w.addOperator('op2');
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000));
    await expect(
      refundSession(w.deps, { operatorId: 'op2', sessionId: 's1', amountMinor: 1 }),
    ).rejects.toMatchObject({
      code: 'CONNECT_SESSION_NOT_FOUND',
    });
  });

  it('a refund while the transfer is held takes its share off what is later sent', async () => {
    const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
    const accountId = await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000)); // fee 100, net 900
    await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 500 }); // 450 off the transfer
    expect(w.stripe.reversals).toEqual([]);
    await makeReady(w, accountId);
    expect(w.stripe.transfers.map((t) => t.amountMinor)).toEqual([450]);
  });
});

describe('a refund racing the release of a held transfer', () => {
  /** What the operator's account keeps of the session: sent less reversed. */
  const keptMinor = (w: World) =>
    w.stripe.transfers.reduce((a, t) => a + t.amountMinor, 0) -
    w.stripe.reversals.reduce((a, r) => a + r.amountMinor, 0);

  async function heldAndReadyInStripe(w: World) {
    const accountId = await onboarded(w, 'op1', false);
    await recordSessionTransfer(w.deps, captured('s1', 'op1', 1000)); // fee 100, net 900
    // Stripe says ready; the store not yet, so the release below is the one the test drives.
    w.stripe.setAccount(accountId, { capabilities: { transfers: 'active' } });
    await w.store.saveState(
      'op1',
      await w.stripe.retrieveAccount(accountId),
      Math.floor(w.nowMs() / 1000),
      'x',
    );
  }

  it('a refund recorded between the transfer being sent and recorded: its share is reversed at once', async () => {
    const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
    await heldAndReadyInStripe(w);
    const create = w.stripe.createTransfer.bind(w.stripe);
    let refunded = false;
    w.stripe.createTransfer = async (input) => {
      const made = await create(input);
      if (!refunded) {
        refunded = true;
        // Still pending in the store: the refund takes its 450 share off the record.
        await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 500 });
      }
      return made;
    };
    expect(await releasePendingTransfers(w.deps, 'op1')).toBe(1);
    expect(w.stripe.transfers.map((t) => t.amountMinor)).toEqual([900]);
    expect(w.stripe.reversals.map((r) => r.amountMinor)).toEqual([450]);
    expect(keptMinor(w)).toBe(450);
    expect(await w.store.transfer('s1')).toMatchObject({
      status: 'paid',
      reversedMinor: 450,
      refundedMinor: 500,
    });
  });

  it('a release between the refund at Stripe and its record: the refund reverses its share of the transfer', async () => {
    const w = connectWorld({ fee: { bps: 1000, fixedMinor: 0 } });
    await heldAndReadyInStripe(w);
    const refund = w.stripe.refund.bind(w.stripe);
    let released = false;
    w.stripe.refund = async (...args) => {
      const made = await refund(...args);
      if (!released) {
        released = true;
        await releasePendingTransfers(w.deps, 'op1');
      }
      return made;
    };
    const result = await refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor: 500 });
    expect(result).toMatchObject({ amountMinor: 500, reversedMinor: 450, refundedTotalMinor: 500 });
    // One refund at Stripe (the retry reused its key), one transfer of 900, one reversal of 450.
    expect(w.stripe.refunds).toEqual([{ paymentIntentId: 'pi_s1', amountMinor: 500 }]);
    expect(w.stripe.transfers.map((t) => t.amountMinor)).toEqual([900]);
    expect(w.stripe.reversals.map((r) => r.amountMinor)).toEqual([450]);
    expect(keptMinor(w)).toBe(450);
  });

  it('never leaves the operator more than captured − fee − refunded share, whichever lands first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom('refund-inside-send', 'release-inside-refund', 'refund-first', 'release-first'),
        async (capturedMinor, permille, order) => {
          const w = connectWorld({ fee: { bps: 175, fixedMinor: 15 } });
          const accountId = await onboarded(w, 'op1', false);
          await recordSessionTransfer(w.deps, captured('s1', 'op1', capturedMinor));
          w.stripe.setAccount(accountId, { capabilities: { transfers: 'active' } });
          await w.store.saveState(
            'op1',
            await w.stripe.retrieveAccount(accountId),
            Math.floor(w.nowMs() / 1000),
            'x',
          );
          const amountMinor = Math.max(1, Math.floor((capturedMinor * permille) / 1000));
          const refundIt = () => refundSession(w.deps, { operatorId: 'op1', sessionId: 's1', amountMinor });
          const release = () => releasePendingTransfers(w.deps, 'op1');
          if (order === 'refund-inside-send') {
            const create = w.stripe.createTransfer.bind(w.stripe);
            let ran = false;
            w.stripe.createTransfer = async (input) => {
              const made = await create(input);
              ran = true;
              await refundIt();
              return made;
            };
            await release();
            // The fee took the whole capture: nothing was sent, so the refund comes after.
            if (!ran) await refundIt();
          } else if (order === 'release-inside-refund') {
            const refund = w.stripe.refund.bind(w.stripe);
            let once = false;
            w.stripe.refund = async (...args) => {
              const made = await refund(...args);
              if (!once) {
                once = true;
                await release();
              }
              return made;
            };
            await refundIt();
          } else if (order === 'refund-first') {
            await refundIt();
            await release();
          } else {
            await release();
            await refundIt();
          }
          const t = await w.store.transfer('s1');
          if (!t) throw new Error('no transfer recorded');
          expect(t).toMatchObject({ status: 'paid', refundedMinor: amountMinor });
          expect(keptMinor(w)).toBe(t.grossMinor - t.feeMinor - (t.refundedMinor - t.feeRefundedMinor));
          expect(keptMinor(w)).toBe(t.netMinor - t.reversedMinor);
          expect(w.stripe.refunds.reduce((a, r) => a + r.amountMinor, 0)).toBe(amountMinor);
        },
      ),
      { seed: 20261130, numRuns: 200 },
    );
  });
});

describe('funds flow over 200 random sessions, 3 operators, random onboarding times', () => {
  it('Σ transferred − Σ reversed = Σ captured − Σ fees − Σ refunds reversed; no transfer twice; none before ready', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            operator: fc.integer({ min: 0, max: 2 }),
            capturedMinor: fc.integer({ min: 0, max: 20_000 }),
            refundPermille: fc.integer({ min: 0, max: 1000 }),
            refundBeforeReady: fc.boolean(),
            redeliver: fc.boolean(),
          }),
          { minLength: 200, maxLength: 200 },
        ),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 3, maxLength: 3 }),
        async (sessions, readyAfter) => {
          const w = connectWorld({ fee: { bps: 175, fixedMinor: 15 } });
          const ops = ['opA', 'opB', 'opC'];
          const accounts: string[] = [];
          for (const op of ops) accounts.push(await onboarded(w, op, false));
          const ready = new Set<string>();
          // Every transfer Stripe makes must find its account ready at that moment.
          const create = w.stripe.createTransfer.bind(w.stripe);
          w.stripe.createTransfer = async (input) => {
            expect(ready.has(input.destination)).toBe(true);
            return create(input);
          };
          const refundsLater: { sessionId: string; operatorId: string; amountMinor: number }[] = [];
          for (const [i, s] of sessions.entries()) {
            for (const [o, after] of readyAfter.entries()) {
              const accountId = accounts[o] as string;
              if (after === i && !ready.has(accountId)) {
                ready.add(accountId);
                await makeReady(w, accountId);
              }
            }
            const sessionId = `s${i}`;
            const operatorId = ops[s.operator] as string;
            await recordSessionTransfer(w.deps, captured(sessionId, operatorId, s.capturedMinor));
            if (s.redeliver)
              await recordSessionTransfer(w.deps, captured(sessionId, operatorId, s.capturedMinor));
            const amountMinor = Math.floor((s.capturedMinor * s.refundPermille) / 1000);
            if (amountMinor > 0) {
              const refund = { sessionId, operatorId, amountMinor };
              if (s.refundBeforeReady) await refundSession(w.deps, refund);
              else refundsLater.push(refund);
            }
          }
          for (const accountId of accounts) {
            if (!ready.has(accountId)) {
              ready.add(accountId);
              await makeReady(w, accountId);
            }
          }
          for (const refund of refundsLater) await refundSession(w.deps, refund);

          const groups = w.stripe.transfers.map((t) => t.transferGroup);
          expect(new Set(groups).size).toBe(groups.length);
          for (const [o, operatorId] of ops.entries()) {
            const records = [...w.store.transfers.values()].filter((t) => t.operatorId === operatorId);
            expect(records.every((t) => t.status === 'paid')).toBe(true);
            const sum = (f: (t: (typeof records)[number]) => number) => records.reduce((a, t) => a + f(t), 0);
            const transferredMinor = w.stripe.transfers
              .filter((t) => t.destination === accounts[o])
              .reduce((a, t) => a + t.amountMinor, 0);
            const transferIds = new Set(
              w.stripe.transfers.filter((t) => t.destination === accounts[o]).map((t) => t.transferId),
            );
            const reversedMinor = w.stripe.reversals
              .filter((r) => transferIds.has(r.transferId))
              .reduce((a, r) => a + r.amountMinor, 0);
            const capturedMinor = sessions
              .filter((s) => s.operator === o)
              .reduce((a, s) => a + s.capturedMinor, 0);
            expect(sum((t) => t.grossMinor)).toBe(capturedMinor);
            expect(transferredMinor - reversedMinor).toBe(
              capturedMinor - sum((t) => t.feeMinor) - sum((t) => t.refundedMinor - t.feeRefundedMinor),
            );
          }
        },
      ),
      { seed: 20261130, numRuns: 5 },
    );
  });
});

describe('fleet invoice transfers', () => {
  /** The statement of November with one line per gross amount; its invoice `invoiceId`, sent. */
  function statementOf(w: World, invoiceId: string, grossMinors: readonly number[], month = '2026-11') {
    const lines = grossMinors.map((grossMinor, i) => ({
      date: `${month}-0${1 + (i % 9)}`,
      startedAt: 1_800_000_000 + i * 3600,
      chargerId: 'CP-1',
      transactionId: i + 1,
      idTag: 'VAN-1',
      energyMilliWh: 1_000_000,
      components: [],
      total: { netMinor: grossMinor, taxMinor: 0, grossMinor },
    }));
    const totalMinor = grossMinors.reduce((a, b) => a + b, 0);
    const scope = { operatorId: 'op1', fleetId: 'vans', month, timeZone: 'UTC', currency: 'GBP' };
    w.fleetStatements.put(
      {
        operatorId: 'op1',
        fleetId: 'vans',
        month,
        createdAt: '2026-12-01T00:00:00.000Z',
        statement: summariseStatement(scope, lines, []),
        invoice: { stripeInvoiceId: invoiceId, status: 'sent', amountDueMinor: totalMinor },
      },
      lines,
    );
    w.stripe.invoices.set(invoiceId, {
      invoiceId,
      status: 'paid',
      amountPaidMinor: totalMinor,
      currency: 'GBP',
      metadata: { operatorId: 'op1', fleetId: 'vans', month },
      chargeId: `ch_${invoiceId}`,
      paidAt: '2026-12-03T10:00:00.000Z',
    });
  }
  const paidInvoice = (w: World, invoiceId: string, over: Record<string, unknown> = {}) => {
    statementOf(w, invoiceId, [10_000]);
    w.stripe.invoices.set(invoiceId, {
      ...(w.stripe.invoices.get(invoiceId) as PaidInvoice),
      ...over,
    });
  };

  it("takes the fee per billed session, each rounded as a card session's, and marks the invoice paid", async () => {
    const w = connectWorld({ fee: { bps: 150, fixedMinor: 20 } });
    const accountId = await onboarded(w, 'op1', true);
    statementOf(w, 'in_1', [2_500, 3_333, 4_167]);
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_1')).toBe('paid');
    // By hand, 1.5 % half up + 20 per session: 37.5 → 38 + 20 = 58; 49.995 → 50 + 20 = 70;
    // 62.505 → 63 + 20 = 83. Σ = 211 (the whole 10 000 at once would give 150 + 20 = 170).
    expect(await w.store.transfer('fleet-invoice:in_1')).toMatchObject({
      grossMinor: 10_000,
      feeMinor: 211,
      netMinor: 9_789,
      status: 'paid',
    });
    expect(w.stripe.transfers).toEqual([
      {
        transferId: expect.any(String),
        amountMinor: 9_789,
        currency: 'GBP',
        destination: accountId,
        sourceTransaction: 'ch_in_1',
        transferGroup: 'fleet-invoice:in_1',
        metadata: {
          operatorId: 'op1',
          sessionId: 'fleet-invoice:in_1',
          invoiceId: 'in_1',
          fleetId: 'vans',
          month: '2026-11',
          grossMinor: '10000',
          feeMinor: '211',
        },
        idempotencyKey: 'transfer:fleet-invoice:in_1',
      },
    ]);
    expect((await w.fleetStatements.get('op1', 'vans', '2026-11'))?.invoice).toEqual({
      stripeInvoiceId: 'in_1',
      status: 'paid',
      amountDueMinor: 10_000,
      paidAt: '2026-12-03T10:00:00.000Z',
    });
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_1')).toBe('already-recorded');
    expect(w.stripe.transfers).toHaveLength(1);
  });

  it('reads every page of a large statement and never takes more than was paid', async () => {
    const w = connectWorld({ fee: { bps: 0, fixedMinor: 30 } });
    await onboarded(w, 'op1', false);
    // 1 201 sessions (three pages of lines): 1 200 of 100 and one of 10, whose fee is capped at 10.
    statementOf(w, 'in_many', [...Array.from({ length: 1_200 }, () => 100), 10]);
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_many')).toBe('pending');
    expect(await w.store.transfer('fleet-invoice:in_many')).toMatchObject({
      grossMinor: 120_010,
      feeMinor: 1_200 * 30 + 10,
    });
  });

  it('leaves alone a paid invoice its statement does not name', async () => {
    const w = connectWorld({ fee: { bps: 0, fixedMinor: 0 } });
    await onboarded(w, 'op1', true);
    statementOf(w, 'in_named', [500]);
    w.stripe.invoices.set('in_stray', {
      ...(w.stripe.invoices.get('in_named') as PaidInvoice),
      invoiceId: 'in_stray',
    });
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_stray')).toBe('no-statement');
    expect(w.stripe.transfers).toEqual([]);
    expect((await w.fleetStatements.get('op1', 'vans', '2026-11'))?.invoice?.status).toBe('sent');
  });

  it('holds it until the account can receive transfers, then releases it with the others', async () => {
    const w = connectWorld({ fee: { bps: 0, fixedMinor: 0 } });
    const accountId = await onboarded(w, 'op1', false);
    paidInvoice(w, 'in_2');
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_2')).toBe('pending');
    expect(w.stripe.transfers).toEqual([]);
    expect(await heldTransfersOf(w.deps, 'op1')).toMatchObject({ count: 1, amountMinor: 10_000 });
    await makeReady(w, accountId);
    expect(w.stripe.transfers.map((t) => [t.amountMinor, t.transferGroup])).toEqual([
      [10_000, 'fleet-invoice:in_2'],
    ]);
  });

  it('leaves alone an invoice of no fleet, one not paid, and one paid outside Stripe', async () => {
    const w = connectWorld({ fee: { bps: 0, fixedMinor: 0 } });
    await onboarded(w, 'op1', true);
    paidInvoice(w, 'in_other', { metadata: {} });
    paidInvoice(w, 'in_open', { status: 'open', amountPaidMinor: 0 });
    paidInvoice(w, 'in_bank', { chargeId: undefined });
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_other')).toBe('not-a-fleet-invoice');
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_open')).toBe('not-paid');
    expect(await recordFleetInvoiceTransfer(w.deps, 'in_bank')).toBe('paid-outside-stripe');
    expect(w.stripe.transfers).toEqual([]);
    expect(await w.store.transfer('fleet-invoice:in_bank')).toBeUndefined();
  });
});
