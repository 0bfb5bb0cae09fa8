import { describe, expect, it } from 'vitest';
import { beginPayment } from '../../../shared/app/payments/begin-payment.js';
import { cancelByDriver } from '../../../shared/app/payments/cancel-session.js';
import { confirmHold } from '../../../shared/app/payments/confirm-hold.js';
import { MAX_RECEIPT_COPIES, requestReceiptCopy } from '../../../shared/app/payments/resend-receipt.js';
import type { PaymentSession } from '../../../shared/ports/payments.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

async function session(world: ReturnType<typeof paymentsWorld>, held: boolean): Promise<PaymentSession> {
  const begun = await beginPayment(world.deps, { chargerId: 'CP-1', connectorId: 1, email: 'd@example.com' });
  const stored = await world.sessions.get(begun.sessionId);
  if (!stored) throw new Error('session missing');
  if (!held) return stored;
  world.payments.confirm(begun.paymentIntentId, 'held');
  return (await confirmHold(world.deps, stored)).session;
}

describe('asking for a receipt again', () => {
  it('queues copy 1, 2, 3 of the pre-auth receipt, then refuses a fourth with a 429-like error', async () => {
    const world = paymentsWorld();
    const held = await session(world, true);
    for (const copy of [1, 2, 3]) {
      expect(await requestReceiptCopy(world.deps, held)).toMatchObject({
        kind: 'pre-auth',
        copy,
        outcome: 'queued',
      });
    }
    await expect(requestReceiptCopy(world.deps, held)).rejects.toMatchObject({ code: 'PAY_TOO_MANY_COPIES' });
    expect(world.outbox.items.filter((r) => r.copy > 0)).toHaveLength(MAX_RECEIPT_COPIES);
  });

  it('copies the newest receipt: after a cancel, the cancellation receipt, numbered on its own', async () => {
    const world = paymentsWorld();
    const held = await session(world, true);
    await requestReceiptCopy(world.deps, held);
    const cancelled = await cancelByDriver(world.deps, held);
    expect(await requestReceiptCopy(world.deps, cancelled)).toMatchObject({ kind: 'cancellation', copy: 1 });
  });

  it('copies the transaction receipt once there is one, whatever the order in the outbox', async () => {
    const world = paymentsWorld();
    const held = await session(world, true);
    await world.outbox.enqueue({ sessionId: held.sessionId, kind: 'transaction', copy: 0, requestedAt: 'x' });
    await world.outbox.enqueue({ sessionId: held.sessionId, kind: 'pre-auth', copy: 1, requestedAt: 'y' });
    expect(await requestReceiptCopy(world.deps, held)).toMatchObject({ kind: 'transaction', copy: 1 });
  });

  it('refuses a session with no receipt yet (card entry unfinished) and queues nothing', async () => {
    const world = paymentsWorld();
    const unpaid = await session(world, false);
    await expect(requestReceiptCopy(world.deps, unpaid)).rejects.toMatchObject({ code: 'PAY_NO_RECEIPT' });
    expect(world.outbox.items).toHaveLength(0);
  });
});
