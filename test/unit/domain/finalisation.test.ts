import { describe, expect, it } from 'vitest';
import { isChargeFinal } from '../../../shared/domain/finalisation.js';

const T = 1_800_000_000;

describe('isChargeFinal', () => {
  const hold = { holdExpiresAt: T + 7 * 86_400, holdSafetySeconds: 3600 };
  it.each([
    [
      'running',
      { stoppedAt: null, meterStopKnown: false, lastSampleReceivedAt: T, now: T + 10 },
      { final: false, reason: 'running', checkAgainAt: T + 7 * 86_400 - 3600 },
    ],
    [
      'stop asked from the page, StopTransaction not in yet',
      { stoppedAt: T, meterStopKnown: false, lastSampleReceivedAt: T, now: T + 600 },
      { final: false, reason: 'awaiting-meter-stop', checkAgainAt: T + 7 * 86_400 - 3600 },
    ],
    [
      'stopped, inside the settle window',
      { stoppedAt: T, meterStopKnown: true, lastSampleReceivedAt: T - 30, now: T + 119 },
      { final: false, reason: 'settling', checkAgainAt: T + 120 },
    ],
    [
      'stopped, settle window passed',
      { stoppedAt: T, meterStopKnown: true, lastSampleReceivedAt: T - 30, now: T + 120 },
      { final: true, reason: 'settled' },
    ],
    [
      'a late sample after the stop restarts the window',
      { stoppedAt: T, meterStopKnown: true, lastSampleReceivedAt: T + 100, now: T + 200 },
      { final: false, reason: 'settling', checkAgainAt: T + 220 },
    ],
    [
      'custom settle window',
      {
        stoppedAt: T,
        meterStopKnown: true,
        lastSampleReceivedAt: null,
        now: T + 30,
        settleWindowSeconds: 30,
      },
      { final: true, reason: 'settled' },
    ],
    [
      'hold about to lapse while running',
      { stoppedAt: null, meterStopKnown: false, lastSampleReceivedAt: T, now: T + 7 * 86_400 - 3600 },
      { final: true, reason: 'hold-expiring' },
    ],
    [
      'hold about to lapse while waiting for the stop reading',
      { stoppedAt: T, meterStopKnown: false, lastSampleReceivedAt: T, now: T + 7 * 86_400 - 10 },
      { final: true, reason: 'hold-expiring' },
    ],
  ] as const)('%s', (_, input, expected) => {
    expect(isChargeFinal({ ...hold, ...input })).toEqual(expected);
  });

  it('without a hold (free or fleet-billed sessions) waits for the stop reading however long', () => {
    expect(
      isChargeFinal({ stoppedAt: T, meterStopKnown: false, lastSampleReceivedAt: T, now: T + 30 * 86_400 }),
    ).toEqual({ final: false, reason: 'awaiting-meter-stop', checkAgainAt: null });
  });

  it('refuses a negative window', () => {
    expect(() =>
      isChargeFinal({
        stoppedAt: T,
        meterStopKnown: true,
        lastSampleReceivedAt: T,
        now: T,
        settleWindowSeconds: -1,
      }),
    ).toThrow(/non-negative integer/);
  });
});
