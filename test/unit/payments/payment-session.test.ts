import { describe, expect, it } from 'vitest';
import {
  canAdvance,
  driverStatus,
  type PaymentSessionStatus,
  settle,
  stripeCancellationReason,
} from '../../../shared/domain/payment-session.js';

describe('settle', () => {
  it.each([
    // charge, pre-auth, capturable → action, captured, released, shortfall
    [1234, 3000, 3000, 'capture', 1234, 1766, 0],
    [3000, 3000, 3000, 'capture', 3000, 0, 0],
    [1, 2000, 2000, 'capture', 1, 1999, 0],
    [3500, 3000, 3000, 'capture', 3000, 0, 500],
    // Stripe holds less than the pre-auth (e.g. a partial authorisation): capture at most what is held.
    [2500, 3000, 2000, 'capture', 2000, 1000, 500],
    [0, 3000, 3000, 'cancel', 0, 3000, 0],
  ] as const)(
    'charge %i against a hold of %i (capturable %i): %s %i, released %i, shortfall %i',
    (charge, preAuth, capturable, action, captured, released, shortfall) => {
      expect(settle(charge, preAuth, capturable)).toEqual({
        action,
        amountToCaptureMinor: captured,
        releasedMinor: released,
        shortfallMinor: shortfall,
      });
    },
  );

  it('released + captured is always the pre-auth, and captured never exceeds what is held', () => {
    for (let charge = 0; charge <= 4000; charge += 7) {
      const s = settle(charge, 3000, 3000);
      expect(s.amountToCaptureMinor + s.releasedMinor).toBe(3000);
      expect(s.amountToCaptureMinor).toBeLessThanOrEqual(3000);
      expect(s.amountToCaptureMinor + s.shortfallMinor).toBe(charge);
    }
  });

  it.each([[-1], [1.5], [Number.NaN]])('refuses %s as an amount', (bad) => {
    expect(() => settle(bad, 3000)).toThrow(/non-negative integer/);
  });
});

describe('canAdvance', () => {
  const all: PaymentSessionStatus[] = [
    'awaiting-payment',
    'starting',
    'charging',
    'finishing',
    'completed',
    'cancelled',
    'failed',
  ];
  it.each([
    ['awaiting-payment', 'starting', true],
    ['awaiting-payment', 'failed', true],
    ['awaiting-payment', 'cancelled', true],
    ['starting', 'charging', true],
    ['starting', 'cancelled', true],
    ['starting', 'failed', false],
    ['charging', 'cancelled', false],
    ['charging', 'finishing', true],
    ['charging', 'completed', true],
    ['finishing', 'completed', true],
    ['finishing', 'charging', false],
    ['starting', 'awaiting-payment', false],
    ['completed', 'cancelled', false],
    ['cancelled', 'charging', false],
  ] as const)('%s → %s: %s', (from, to, expected) => {
    expect(canAdvance(from, to)).toBe(expected);
  });

  it('never moves a status to itself or out of a terminal status', () => {
    for (const s of all) expect(canAdvance(s, s)).toBe(false);
    for (const from of ['completed', 'cancelled', 'failed'] as const) {
      for (const to of all) expect(canAdvance(from, to)).toBe(false);
    }
  });
});

describe('driverStatus', () => {
  it.each([
    ['awaiting-payment', undefined, 'awaiting-payment'],
    ['starting', undefined, 'waiting-for-car'],
    ['charging', { stopped: false, final: false }, 'charging'],
    ['charging', { stopped: true, final: false }, 'final-readings-pending'],
    ['charging', { stopped: true, final: true }, 'finishing'],
    // Finalised while running (the hold was about to lapse): the stop is on its way.
    ['charging', { stopped: false, final: true }, 'finishing'],
    ['finishing', { stopped: false, final: false }, 'finishing'],
    ['finishing', { stopped: true, final: false }, 'final-readings-pending'],
    ['completed', { stopped: true, final: true }, 'completed'],
    ['cancelled', undefined, 'cancelled'],
    ['failed', undefined, 'failed'],
  ] as const)('%s with %j shows %s', (status, tx, expected) => {
    expect(driverStatus(status, tx)).toBe(expected);
  });
});

describe('stripeCancellationReason', () => {
  it.each([
    ['requested_by_customer', 'requested_by_customer'],
    ['abandoned', 'abandoned'],
    ['charger-unavailable', 'abandoned'],
    ['zero-charge', 'abandoned'],
  ] as const)('%s is sent to Stripe as %s', (reason, stripe) => {
    expect(stripeCancellationReason(reason)).toBe(stripe);
  });
});
