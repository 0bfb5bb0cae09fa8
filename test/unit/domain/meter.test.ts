import { describe, expect, it } from 'vitest';
import { decimalToInteger, parseDecimal } from '../../../shared/domain/decimal.js';
import {
  energyFromSampledValue,
  mergeSamples,
  parseTimestamp,
  parseTimestampMs,
  samplesFromMeterValues,
  samplesFromStopTransaction,
} from '../../../shared/domain/meter.js';
import { at, interval, meterValue, register } from '../../fixtures/builders/pricing.js';

describe('parseDecimal (no floats)', () => {
  it.each([
    ['23.456', 23456n, -3],
    ['0.1', 1n, -1],
    ['-0.25', -25n, -2],
    ['+7', 7n, 0],
    ['.5', 5n, -1],
    ['5.', 5n, 0],
    ['1.5E3', 15n, 2],
    ['2e-3', 2n, -3],
    ['000123.4500', 1234500n, -4],
  ])('%s → %i × 10^%i', (text, coefficient, exponent) => {
    expect(parseDecimal(text)).toEqual({ coefficient, exponent });
  });

  it.each([['abc'], [''], ['.'], ['1,5'], [' 1'], ['1 '], ['0x10'], ['1e99999'], ['NaN'], ['Infinity']])(
    'refuses %j',
    (text) => {
      expect(parseDecimal(text)).toBeNull();
    },
  );

  it('rounds digits that fall off half to even', () => {
    const toInt = (text: string) => decimalToInteger(parseDecimal(text)!, 0);
    expect([toInt('2.5'), toInt('3.5'), toInt('2.51'), toInt('-2.5')]).toEqual([2n, 4n, 3n, -2n]);
  });
});

describe('energyFromSampledValue', () => {
  it.each([
    // value, unit fields → mWh
    ['23.456 kWh is 23 456 000 mWh', { value: '23.456', unit: 'kWh' }, 23_456_000],
    ['0.1 kWh is exactly 100 000 mWh (parseFloat would not be)', { value: '0.1', unit: 'kWh' }, 100_000],
    ['Wh is the default unit', { value: '1234' }, 1_234_000],
    ['sub-Wh kept to the mWh', { value: '1234.567' }, 1_234_567],
    ['finer than mWh rounds half to even: 1234.5675 Wh', { value: '1234.5675' }, 1_234_568],
    ['0.0000005 kWh = 0.5 mWh → 0 (even)', { value: '0.0000005', unit: 'kWh' }, 0],
    ['0.0000015 kWh = 1.5 mWh → 2 (even)', { value: '0.0000015', unit: 'kWh' }, 2],
    [
      'OCPP 2.0.1 multiplier: 12.345 Wh × 10^3',
      { value: '12.345', unitOfMeasure: { unit: 'Wh', multiplier: 3 } },
      12_345_000,
    ],
    [
      'kWh with multiplier -3 is Wh',
      { value: '1500', unitOfMeasure: { unit: 'kWh', multiplier: -3 } },
      1_500_000,
    ],
    ['exponent notation', { value: '1.5E3', unit: 'Wh' }, 1_500_000],
  ])('%s', (_, sampled, milliWh) => {
    expect(energyFromSampledValue(sampled)).toEqual({ kind: 'register', milliWh });
  });

  it('reads interval values', () => {
    expect(
      energyFromSampledValue({ value: '0.5', unit: 'kWh', measurand: 'Energy.Active.Import.Interval' }),
    ).toEqual({
      kind: 'interval',
      milliWh: 500_000,
    });
  });

  it.each([
    ['SignedData', { value: 'AbCd==', format: 'SignedData' }, 'signed-data'],
    ['a single phase', { value: '10', phase: 'L1' }, 'per-phase'],
    ['the EV side', { value: '10', location: 'EV' }, 'location'],
    ['an unknown unit', { value: '10', unit: 'MWh' }, 'unit'],
    ['a fractional multiplier', { value: '10', unitOfMeasure: { multiplier: 1.5 } }, 'multiplier'],
    ['not a number', { value: '12,5' }, 'not-a-number'],
    ['a negative value', { value: '-1' }, 'negative'],
    ['an absurd value', { value: '1e40' }, 'out-of-range'],
  ])('skips %s with a reason', (_, sampled, reason) => {
    expect(energyFromSampledValue(sampled)).toEqual({ reason });
  });

  it('ignores measurands that are not energy', () => {
    expect(energyFromSampledValue({ value: '7200', measurand: 'Power.Active.Import', unit: 'W' })).toBeNull();
    expect(energyFromSampledValue({ value: '80', measurand: 'SoC', unit: 'Percent' })).toBeNull();
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2026-03-02T10:00:00Z', at('2026-03-02T10:00:00Z')],
    ['2026-03-02T10:00:00.999Z', at('2026-03-02T10:00:00Z')], // fraction dropped
    ['2026-03-02T11:30:00+01:30', at('2026-03-02T10:00:00Z')],
    ['2026-03-02T05:00:00-05:00', at('2026-03-02T10:00:00Z')],
    ['2026-03-02t10:00:00z', at('2026-03-02T10:00:00Z')],
  ])('%s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it.each([
    ['2026-02-30T00:00:00Z'],
    ['2026-03-02T10:00:00'],
    ['2026-03-02T24:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['yesterday'],
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('parseTimestampMs: the precision the charger sends', () => {
  const tenAm = Date.parse('2026-03-02T10:00:00Z');
  it.each([
    ['2026-03-02T10:00:00Z', tenAm],
    ['2026-03-02T10:00:00.5Z', tenAm + 500],
    ['2026-03-02T10:00:00.999Z', tenAm + 999],
    ['2026-03-02T10:00:00.123456Z', tenAm + 123], // beyond the millisecond: dropped
    ['2026-03-02T11:30:00.250+01:30', tenAm + 250],
  ])('%s', (text, expected) => {
    expect(parseTimestampMs(text)).toBe(expected);
  });

  it('keeps the milliseconds of meter values, so two readings in one second keep their order', () => {
    const { samples } = samplesFromMeterValues([
      meterValue('2026-03-02T10:00:00.800Z', { value: '1001' }),
      meterValue('2026-03-02T10:00:00.200Z', { value: '1000' }),
    ]);
    expect(samples.map((s) => s.atMs)).toEqual([tenAm + 200, tenAm + 800]);
  });
});

describe('samplesFromMeterValues', () => {
  it('keeps energy values from every context, merged, deduplicated and ordered', () => {
    const t = '2026-03-02T10:00:00Z';
    const { samples, skipped } = samplesFromMeterValues([
      meterValue('2026-03-02T10:02:00Z', { value: '1.2', unit: 'kWh', context: 'Sample.Periodic' }),
      {
        timestamp: t,
        sampledValue: [
          { value: '1000', context: 'Transaction.Begin' },
          { value: '7000', measurand: 'Power.Active.Import', unit: 'W' },
          { value: '1000', context: 'Transaction.Begin', location: 'Outlet' }, // same reading twice
          { value: '3', measurand: 'Energy.Active.Import.Interval' },
        ],
      },
      meterValue('2026-03-02T10:02:00Z', { value: '1200', context: 'Sample.Clock' }), // same as the kWh one
      meterValue('not a time', { value: '1300' }),
    ]);
    expect(samples).toEqual([register(at(t), 1000), interval(at(t), 3), register(at(t) + 120, 1200)]);
    expect(skipped).toEqual([
      {
        timestamp: 'not a time',
        value: '1300',
        measurand: 'Energy.Active.Import.Register',
        reason: 'bad-timestamp',
      },
    ]);
  });
});

describe('samplesFromStopTransaction', () => {
  it('adds meterStop as a register reading at the stop and merges transactionData', () => {
    const stop = '2026-03-02T11:17:00Z';
    const { samples, skipped } = samplesFromStopTransaction({
      meterStop: 24_456,
      timestamp: stop,
      transactionData: [
        meterValue('2026-03-02T10:00:00Z', { value: '1000', context: 'Transaction.Begin' }),
        meterValue(stop, { value: '24.456', unit: 'kWh', context: 'Transaction.End' }),
      ],
    });
    expect(skipped).toEqual([]);
    expect(samples).toEqual([register(at('2026-03-02T10:00:00Z'), 1000), register(at(stop), 24_456)]);
  });

  it('reports a meterStop it cannot use', () => {
    const result = samplesFromStopTransaction({ meterStop: -5, timestamp: '2026-03-02T11:17:00Z' });
    expect(result.samples).toEqual([]);
    expect(result.skipped[0]?.reason).toBe('negative');
  });
});

describe('mergeSamples', () => {
  it('orders by timestamp, registers before intervals, then value, without duplicates', () => {
    const a = register(100, 5);
    expect(mergeSamples([register(200, 9), a, interval(100, 1)], [a, register(100, 4)])).toEqual([
      register(100, 4),
      a,
      interval(100, 1),
      register(200, 9),
    ]);
  });
});
