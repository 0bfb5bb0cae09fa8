/**
 * A session's payment part (resources.ts sessionPaymentOut): how it is paid and where its card
 * payment stands, read from the paid session, its transfer and the group it is billed to; an older
 * or not yet linked transaction shows what is known and leaves the rest out.
 */
import { describe, expect, it } from 'vitest';
import type { Group } from '../../../shared/domain/entities.js';
import {
  SessionPaymentShape,
  TransactionShape,
  transactionOut,
} from '../../../shared/http/openapi/resources.js';
import type { SessionTransfer } from '../../../shared/ports/connect.js';
import type { SessionPaymentFacts, TransactionView } from '../../../shared/ports/operator-views.js';
import type { PaymentSession } from '../../../shared/ports/payments.js';
import { aPaymentSession } from '../../fixtures/contracts/payments.js';

const tx = (over: Record<string, unknown> = {}): TransactionView => ({
  chargerId: 'CP-1',
  transactionId: 7,
  operatorId: 'op-1',
  status: 'final',
  ...over,
});

const captured = (over: Partial<PaymentSession> = {}): PaymentSession =>
  aPaymentSession({
    sessionId: 'PAY-1',
    operatorId: 'op-1',
    paymentIntentId: 'pi_123',
    currency: 'GBP',
    preAuthAmountMinor: 3000,
    status: 'completed',
    settlement: {
      outcome: 'captured',
      chargeGrossMinor: 1234,
      capturedMinor: 1234,
      releasedMinor: 1766,
      shortfallMinor: 0,
      settledAt: '2026-11-01T10:00:00.000Z',
    },
    ...over,
  });

const transfer = (over: Partial<SessionTransfer> = {}): SessionTransfer => ({
  sessionId: 'PAY-1',
  operatorId: 'op-1',
  chargerId: 'CP-1',
  transactionId: 7,
  currency: 'GBP',
  paymentIntentId: 'pi_123',
  sourceChargeId: 'ch_1',
  grossMinor: 1234,
  feeMinor: 123,
  netMinor: 1111,
  status: 'paid',
  reversedMinor: 0,
  refundedMinor: 0,
  feeRefundedMinor: 0,
  createdAt: '2026-11-01T10:00:01.000Z',
  ...over,
});

function facts(
  over: { sessions?: PaymentSession[]; transfers?: SessionTransfer[]; groups?: Group[] } = {},
): SessionPaymentFacts {
  return {
    sessions: new Map((over.sessions ?? []).map((s) => [s.sessionId, s])),
    transfers: new Map((over.transfers ?? []).map((t) => [t.sessionId, t])),
    groups: new Map((over.groups ?? []).map((g) => [g.groupId, g])),
  };
}

const gbp = (amountMinor: number) => ({ amountMinor, currency: 'GBP' });

describe('a session paid by card', () => {
  it('captured and partly refunded: hold, captured, released, refunded, refundable, fee and ids', () => {
    const out = transactionOut(
      tx({ paymentSessionId: 'PAY-1', idTag: 'PS0123456789ABCDEF01' }),
      facts({
        sessions: [captured()],
        transfers: [transfer({ refundedMinor: 234, reversedMinor: 211, feeRefundedMinor: 23 })],
      }),
    );
    expect(out.payment).toEqual({
      method: 'card',
      state: 'partly-refunded',
      sessionId: 'PAY-1',
      paymentIntentId: 'pi_123',
      hold: gbp(3000),
      captured: gbp(1234),
      released: gbp(1766),
      refunded: gbp(234),
      refundable: gbp(1000),
      platformFee: gbp(100),
    });
    expect(TransactionShape.parse(out)).toEqual(out);
  });

  it('a refund reserved and not confirmed by Stripe yet: shown pending, and no longer refundable', () => {
    const out = transactionOut(
      tx({ paymentSessionId: 'PAY-1', idTag: 'PS0123456789ABCDEF01' }),
      facts({
        sessions: [captured()],
        transfers: [
          transfer({
            refundedMinor: 234,
            claimedMinor: 534,
            refundClaims: { '234': { offsetMinor: 234, amountMinor: 300, claimedAtMs: 0 } },
          }),
        ],
      }),
    );
    expect(out.payment).toMatchObject({
      state: 'partly-refunded',
      refunded: gbp(234),
      refundPending: gbp(300),
      refundable: gbp(700),
    });
    expect(TransactionShape.parse(out)).toEqual(out);
  });

  it.each([
    ['captured, nothing refunded', captured(), transfer(), 'captured'],
    ['refunded in full', captured(), transfer({ refundedMinor: 1234 }), 'refunded'],
    ['captured, transfer not recorded yet', captured(), undefined, 'captured'],
    ['still charging', captured({ status: 'charging', settlement: undefined }), undefined, 'held'],
    [
      'card not entered yet',
      captured({ status: 'awaiting-payment', settlement: undefined }),
      undefined,
      'awaiting-payment',
    ],
    ['declined', captured({ status: 'failed', settlement: undefined }), undefined, 'failed'],
    [
      'cancelled before charging',
      captured({ status: 'cancelled', settlement: undefined }),
      undefined,
      'cancelled',
    ],
    [
      'zero charge: the hold cancelled at the end',
      captured({
        settlement: {
          outcome: 'cancelled',
          chargeGrossMinor: 0,
          capturedMinor: 0,
          releasedMinor: 3000,
          shortfallMinor: 0,
          settledAt: '2026-11-01T10:00:00.000Z',
        },
      }),
      undefined,
      'cancelled',
    ],
    [
      'the hold lapsed',
      captured({ status: 'cancelled', settlement: undefined, uncollected: true }),
      undefined,
      'expired',
    ],
  ] as const)('%s → %s', (_name, session, xfer, state) => {
    const out = transactionOut(
      tx({ paymentSessionId: 'PAY-1' }),
      facts({ sessions: [session], transfers: xfer ? [xfer] : [] }),
    );
    expect(out.payment.state).toBe(state);
    expect(SessionPaymentShape.parse(out.payment)).toEqual(out.payment);
  });

  it('shows no hold for a card never held, and no refund figures before a capture', () => {
    const { payment } = transactionOut(
      tx({ paymentSessionId: 'PAY-1' }),
      facts({ sessions: [captured({ status: 'failed', settlement: undefined })] }),
    );
    expect(payment).toEqual({
      method: 'card',
      state: 'failed',
      sessionId: 'PAY-1',
      paymentIntentId: 'pi_123',
    });
    const held = transactionOut(
      tx({ paymentSessionId: 'PAY-1' }),
      facts({ sessions: [captured({ status: 'charging', settlement: undefined })] }),
    ).payment;
    expect(held.hold).toEqual(gbp(3000));
    expect(held.captured).toBeUndefined();
    expect(held.refundable).toBeUndefined();
  });

  it('a session tag not linked to its paid session yet reads as card, without figures', () => {
    expect(transactionOut(tx({ idTag: 'PS0123456789ABCDEF01' }), facts()).payment).toEqual({
      method: 'card',
    });
    expect(transactionOut(tx({ paymentSessionId: 'PAY-9' }), facts()).payment).toEqual({
      method: 'card',
      sessionId: 'PAY-9',
    });
  });
});

describe('a billed or free session', () => {
  const fleet: Group = { operatorId: 'op-1', groupId: 'acme', name: 'Acme Deliveries', kind: 'fleet' };
  const group: Group = { operatorId: 'op-1', groupId: 'flats', name: 'Riverside Flats' };

  it('billed to a fleet names the fleet', () => {
    const out = transactionOut(
      tx({ billedTo: { party: 'fleet', idTag: 'FLEET-1', groupId: 'acme' } }),
      facts({ groups: [fleet] }),
    );
    expect(out.payment).toEqual({
      method: 'fleet-bill',
      billedTo: { kind: 'fleet', id: 'acme', name: 'Acme Deliveries' },
    });
    expect(TransactionShape.parse(out)).toEqual(out);
  });

  it('billed to a member names the group; a group not found shows its id', () => {
    expect(
      transactionOut(
        tx({ billedTo: { party: 'member', idTag: 'M-1', groupId: 'flats' } }),
        facts({ groups: [group] }),
      ).payment,
    ).toEqual({ method: 'member-bill', billedTo: { kind: 'group', id: 'flats', name: 'Riverside Flats' } });
    expect(
      transactionOut(tx({ billedTo: { party: 'member', idTag: 'M-1', groupId: 'gone' } }), facts()).payment,
    ).toEqual({ method: 'member-bill', billedTo: { kind: 'group', id: 'gone', name: 'gone' } });
  });

  it('a member or fleet card of no group is billed without a billedTo', () => {
    expect(transactionOut(tx({ billedTo: { party: 'fleet', idTag: 'F-2' } }), facts()).payment).toEqual({
      method: 'fleet-bill',
    });
  });

  it('a home or free session collects nothing; an old transaction with no payment fields too', () => {
    expect(transactionOut(tx({ idTag: 'OWNER-TAG' }), facts()).payment).toEqual({ method: 'none' });
    expect(transactionOut(tx()).payment).toEqual({ method: 'none' });
  });
});
