import { describe, expect, it } from 'vitest';
import { chargerIsoAt, isoAt, offsetMs, secondsAt, thisMinuteMs } from '../fixtures/time.js';

describe('test time helpers', () => {
  const T0 = Date.parse('2030-05-06T07:08:00.000Z');

  it.each([
    ['0', 0],
    ['+5m', 300_000],
    ['-1d', -86_400_000],
    ['+1h30m', 5_400_000],
    ['+90s', 90_000],
  ])('%s is %d ms', (offset, ms) => {
    expect(offsetMs(offset)).toBe(ms);
  });

  it('refuses what is not an offset', () => {
    for (const bad of ['5m', '+5', '+m', '+5x', '']) expect(() => offsetMs(bad)).toThrow(/not a time offset/);
  });

  it('writes instants from a start', () => {
    expect(isoAt(T0, '-1h8m')).toBe('2030-05-06T06:00:00.000Z');
    expect(chargerIsoAt(T0, '+52m')).toBe('2030-05-06T08:00:00Z');
    expect(secondsAt(T0, '+1s')).toBe(T0 / 1000 + 1);
  });

  it('snaps to the minute', () => {
    expect(thisMinuteMs(T0 + 59_999)).toBe(T0);
  });
});
