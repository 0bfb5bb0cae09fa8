import { describe, expect, it } from 'vitest';
import { beginPayment } from '../../../shared/app/payments/begin-payment.js';
import { bindTransaction } from '../../../shared/app/payments/bind-transaction.js';
import { cancelByDriver } from '../../../shared/app/payments/cancel-session.js';
import { captureFinalCharge } from '../../../shared/app/payments/capture-charge.js';
import { confirmHold } from '../../../shared/app/payments/confirm-hold.js';
import { sendReceipt } from '../../../shared/app/payments/send-receipt.js';
import { priceSession } from '../../../shared/domain/pricing.js';
import { ms, register } from '../../fixtures/builders/pricing.js';
import { paymentsWorld } from '../../fixtures/payments/world.js';

async function held(world = paymentsWorld()) {
  const begun = await beginPayment(world.deps, {
    chargerId: 'CP-1',
    connectorId: 1,
    email: 'driver@example.com',
  });
  world.payments.confirm(begun.paymentIntentId);
  const result = await confirmHold(world.deps, (await world.sessions.get(begun.sessionId))!);
  return { world, begun, session: result.session };
}

const deliverAll = async (world: ReturnType<typeof paymentsWorld>) => {
  for (const r of world.outbox.items) await sendReceipt(world.deps, r);
};

describe('receipts, sent from the outbox', () => {
  it('the pre-auth receipt goes to the driver at once, with the Transaction URL, and only once', async () => {
    const { world, begun } = await held();
    await deliverAll(world);
    await deliverAll(world);
    expect(world.mailer.sent).toHaveLength(1);
    const mail = world.mailer.sent[0]!;
    expect(mail.to).toBe('driver@example.com');
    expect(mail.replyTo).toBe('landlord@crown.example');
    expect(mail.subject).toContain('£30.00');
    expect(mail.text).toContain(begun.transactionUrl);
    expect(mail.html).toContain(begun.transactionUrl);
    expect(world.outbox.items[0]).toMatchObject({
      kind: 'pre-auth',
      messageId: expect.any(String),
      sentAt: expect.any(String),
    });
  });

  it('cancellation receipt names the reason and the released hold', async () => {
    const { world, session } = await held();
    await cancelByDriver(world.deps, session);
    await deliverAll(world);
    expect(world.mailer.sent.map((m) => m.tags?.receipt)).toEqual(['pre-auth', 'cancellation']);
    expect(world.mailer.sent[1]!.text).toMatch(/£30\.00/);
  });

  it('transaction receipt: payment id, each component with tax, captured and refund', async () => {
    const { world, begun, session } = await held();
    world.transactions.started('CP-1', 7, session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 7, idTag: session.idTag });
    const start = Math.floor(world.clock.now() / 1000);
    // 10 kWh in an hour: 10 × 45.5p + 1 h × £1.20 (+20 % VAT each) + £0.50 flat.
    const charge = priceSession(world.tariff!, {
      startedAtMs: ms(start),
      meterStartWh: 1000,
      samples: [register(start + 1800, 6000), register(start + 3600, 11_000)],
      stoppedAtMs: ms(start + 3600),
    });
    expect(charge.totals.grossMinor).toBe(740);
    world.transactions.charges.set('CP-1#7', { charge, final: true, energyMilliWh: charge.energyMilliWh });
    await captureFinalCharge(world.deps, {
      eventId: 'e',
      chargerId: 'CP-1',
      transactionId: 7,
      chargeGrossMinor: charge.totals.grossMinor,
      stillRunning: false,
    });
    await deliverAll(world);
    const receipt = world.mailer.sent.find((m) => m.tags?.receipt === 'transaction')!;
    expect(receipt.text).toContain(begun.paymentIntentId);
    const refund = 3000 - charge.totals.grossMinor;
    const pounds = (minor: number) => `£${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
    expect(receipt.text).toContain(pounds(charge.totals.grossMinor));
    expect(receipt.text).toContain(pounds(refund));
  });

  it('a refund receipt: the amount refunded, what stays charged, the refund and payment ids; sent once', async () => {
    const { world, begun } = await held();
    // As refunds.ts queues it: numbered by the refunded total before the refund (here 500 → 1234).
    await world.outbox.enqueue({
      sessionId: begun.sessionId,
      kind: 'refund',
      copy: 500,
      requestedAt: new Date(world.clock.now()).toISOString(),
      refund: {
        refundId: 're_123',
        amountMinor: 734,
        refundedTotalMinor: 1234,
        capturedMinor: 2000,
        refundedAt: new Date(world.clock.now()).toISOString(),
      },
    });
    await deliverAll(world);
    await deliverAll(world);
    const refunds = world.mailer.sent.filter((m) => m.tags?.receipt === 'refund');
    expect(refunds).toHaveLength(1);
    const mail = refunds[0]!;
    expect(mail.to).toBe('driver@example.com');
    expect(mail.subject).toContain('Refund of £7.34');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('£7.34'); // this refund
      expect(part).toContain('£12.34'); // refunded in all
      expect(part).toContain('£7.66'); // still charged: 2000 − 1234
      expect(part).toContain('re_123');
      expect(part).toContain(begun.paymentIntentId);
    }
  });

  it('a permanent mail failure is recorded and not retried; a retryable one is thrown for the stream to retry', async () => {
    const { world } = await held();
    world.mailer.failNext('THROTTLED', 1);
    await expect(sendReceipt(world.deps, world.outbox.items[0]!)).rejects.toMatchObject({ retryable: true });
    world.mailer.failNext('REJECTED', 1);
    expect(await sendReceipt(world.deps, world.outbox.items[0]!)).toBe('failed');
    expect(await sendReceipt(world.deps, world.outbox.items[0]!)).toBe('already-sent');
    expect(world.mailer.sent).toEqual([]);
    expect(world.outbox.items[0]).toMatchObject({
      failure: expect.stringContaining('REJECTED'),
      failedAt: expect.any(String),
    });
  });
});

describe('the transaction receipt of a session stopped because its hold was lapsing', () => {
  it('is sent from the final charge, billed up to where the charge ended', async () => {
    const { world, session } = await held();
    world.transactions.started('CP-1', 9, session.idTag);
    await bindTransaction(world.deps, { chargerId: 'CP-1', transactionId: 9, idTag: session.idTag });
    const start = Math.floor(world.clock.now() / 1000);
    // Finalised while running: the charge is not `stopped`, but it is final.
    const charge = priceSession(world.tariff!, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [register(start + 600, 2000)],
      nowMs: ms(start + 600),
    });
    expect(charge.stopped).toBe(false);
    world.transactions.charges.set('CP-1#9', { idTag: session.idTag, charge, final: true });
    await captureFinalCharge(world.deps, {
      eventId: 'e9',
      chargerId: 'CP-1',
      transactionId: 9,
      chargeGrossMinor: charge.totals.grossMinor,
      stillRunning: true,
    });
    await deliverAll(world);
    const receipt = world.mailer.sent.find((m) => m.tags?.receipt === 'transaction');
    expect(receipt?.text).toContain(
      `£${Math.floor(charge.totals.grossMinor / 100)}.${String(charge.totals.grossMinor % 100).padStart(2, '0')}`,
    );
  });
});
