import { describe, expect, it } from 'vitest';
import {
  growthBetween,
  projectNextInterval,
  shouldStopForCostCap,
  worstCaseGrossPerHour,
} from '../../../shared/domain/cost-cap.js';
import { DEMO_TARIFF } from '../../fixtures/builders/pricing.js';

const charge = (grossMinor: number) => ({ totals: { netMinor: 0, taxMinor: 0, grossMinor } });

describe('projectNextInterval', () => {
  it.each([
    // gross now, growth, interval → projected (rounded up)
    [
      'last interval added 30p in 60 s, next is 60 s',
      1000,
      { kind: 'last-interval', grossMinor: 30, seconds: 60 },
      60,
      1030,
    ],
    [
      'same pace over a 90 s interval: 45p',
      1000,
      { kind: 'last-interval', grossMinor: 30, seconds: 60 },
      90,
      1045,
    ],
    [
      '10p in 60 s over 7 s = 1.17 → 2p',
      1000,
      { kind: 'last-interval', grossMinor: 10, seconds: 60 },
      7,
      1002,
    ],
    [
      'a falling total (minimum overtaken) projects no growth',
      200,
      { kind: 'last-interval', grossMinor: -50, seconds: 60 },
      60,
      200,
    ],
    ['a rate of £18/h over 60 s = 30p', 1000, { kind: 'rate', grossMinorPerHour: 1800 }, 60, 1030],
  ] as const)('%s', (_, gross, growth, intervalSeconds, projected) => {
    expect(projectNextInterval({ charge: charge(gross), growth, intervalSeconds })).toBe(projected);
  });

  it('refuses a zero interval', () => {
    expect(() =>
      projectNextInterval({
        charge: charge(0),
        growth: { kind: 'rate', grossMinorPerHour: 1 },
        intervalSeconds: 0,
      }),
    ).toThrow(/intervalSeconds must be a positive integer/);
  });
});

describe('shouldStopForCostCap', () => {
  // Pre-auth £30.00, margin £1.00: the charge must not pass £29.00.
  const base = { preAuthAmountMinor: 3000, marginMinor: 100, intervalSeconds: 60 };
  it.each([
    ['well within', 1000, 30, false, 'within-limit', 1030],
    ['next interval lands exactly on the limit', 2870, 30, false, 'within-limit', 2900],
    ['next interval would pass the limit', 2871, 30, true, 'projected-over-limit', 2901],
    ['already at the limit', 2900, 0, true, 'limit-reached', 2900],
    ['already over the pre-auth', 3100, 30, true, 'limit-reached', 3130],
  ] as const)('%s', (_, gross, lastInterval, stop, reason, projected) => {
    expect(
      shouldStopForCostCap({
        ...base,
        charge: charge(gross),
        growth: { kind: 'last-interval', grossMinor: lastInterval, seconds: 60 },
      }),
    ).toEqual({ stop, reason, projectedGrossMinor: projected, limitMinor: 2900 });
  });

  it('uses the growth between two successive charges', () => {
    const growth = growthBetween(
      { endedAt: 1000, totals: charge(500).totals },
      { endedAt: 1060, totals: charge(530).totals },
    );
    expect(growth).toEqual({ kind: 'last-interval', grossMinor: 30, seconds: 60 });
  });
});

describe('worstCaseGrossPerHour', () => {
  it('bounds the first interval from the tariff and the charger rating', () => {
    // 22 kW × 45.5p = 1001p/h + £1.20/h = 1121p net/h; × 1.2 VAT = 1345.2 → 1346p/h (rounded up)
    expect(worstCaseGrossPerHour(DEMO_TARIFF, 22_000)).toBe(1346);
  });
});
