import { describe, expect, it } from 'vitest';
import { fleetInvoiceTransferKey } from '../../../shared/app/connect/transfers.js';
import {
  fleetInvoiceOfLine,
  formatInvoiceNumber,
  InvoiceMismatchError,
  type PayoutLine,
  summarisePayout,
} from '../../../shared/domain/invoice.js';

const session = (
  sessionId: string,
  grossMinor: number,
  feeMinor: number,
  amountMinor = grossMinor - feeMinor,
) =>
  ({
    kind: 'session',
    balanceTransactionId: `txn_${sessionId}`,
    amountMinor,
    transferId: `tr_${sessionId}`,
    sessionId,
    grossMinor,
    feeMinor,
    at: 0,
  }) satisfies PayoutLine;

const refund = (sessionId: string, amountMinor: number) =>
  ({
    kind: 'refund',
    balanceTransactionId: `txn_r_${sessionId}`,
    amountMinor,
    transferId: `tr_${sessionId}`,
    sessionId,
    at: 0,
  }) satisfies PayoutLine;

describe('summarisePayout', () => {
  it('totals gross, fees, refunds and other lines; sessions counted once', () => {
    const lines: PayoutLine[] = [
      session('a', 2345, 235),
      session('b', 1000, 100),
      refund('a', -500),
      {
        kind: 'other',
        balanceTransactionId: 'txn_o',
        amountMinor: 700,
        description: 'Payout failure',
        at: 0,
      },
    ];
    expect(summarisePayout(2110 + 900 - 500 + 700, lines)).toEqual({
      payoutAmountMinor: 3210,
      grossTakingsMinor: 3345,
      feesMinor: 335,
      refundsMinor: 500,
      otherMinor: 700,
      sessionCount: 2,
    });
  });

  it("takes a fleet invoice's transfer into the takings and fees, not into the session count", () => {
    const fleetLine = session(fleetInvoiceTransferKey('in_fleet_oct'), 12_000, 600);
    expect(fleetInvoiceOfLine(fleetLine.sessionId)).toBe('in_fleet_oct');
    expect(fleetInvoiceOfLine('3f2a-session')).toBeUndefined();
    expect(summarisePayout(2110 + 11_400, [session('a', 2345, 235), fleetLine])).toMatchObject({
      grossTakingsMinor: 14_345,
      feesMinor: 835,
      sessionCount: 1,
    });
  });

  it('gives an empty payout zero everything', () => {
    expect(summarisePayout(0, [])).toMatchObject({ sessionCount: 0, grossTakingsMinor: 0 });
  });

  it.each([
    ['lines short of the payout by a penny', 3011, [session('a', 2345, 235), session('b', 1000, 100)]],
    ['a stored fee that does not match what was transferred', 2111, [session('a', 2345, 235, 2111)]],
    ['a fractional amount', 1.5, [session('a', 2, 0.5)]],
  ])('refuses %s', (_what, payoutMinor, lines) => {
    expect(() => summarisePayout(payoutMinor, lines)).toThrow(InvoiceMismatchError);
  });
});

describe('formatInvoiceNumber', () => {
  it.each([
    [1, 'INV-000001'],
    [42, 'INV-000042'],
    [1_234_567, 'INV-1234567'],
  ])('%i → %s', (sequence, number) => {
    expect(formatInvoiceNumber(sequence)).toBe(number);
  });
});
