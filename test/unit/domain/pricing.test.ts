import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSamples, initAggregate } from '../../../shared/domain/charge-aggregate.js';
import { DomainError } from '../../../shared/domain/errors.js';
import { type EnergySample, samplesFromMeterValues } from '../../../shared/domain/meter.js';
import { type Charge, priceAggregate, priceSession } from '../../../shared/domain/pricing.js';
import type { Tariff } from '../../../shared/domain/tariff.js';
import {
  aDayNightTariff,
  aTariff,
  at,
  DEMO_TARIFF,
  energy,
  flat,
  meterValue,
  ms,
  parking,
  register,
  time,
} from '../../fixtures/builders/pricing.js';

/** [component, band (element index), quantity, net, tax, gross] */
type Row = [string, number | null, number, number, number, number];

function receipt(charge: Charge): Row[] {
  return charge.lines.map((l) => [
    l.component,
    l.elementIndex,
    l.quantity,
    l.netMinor,
    l.taxMinor,
    l.grossMinor,
  ]);
}

/** A stopped session from readings given as [ISO time, register Wh]. */
function session(
  tariff: Tariff,
  start: string,
  meterStartWh: number,
  readings: [string, number][],
  stop: string,
): Charge {
  return priceSession(tariff, {
    startedAtMs: ms(at(start)),
    meterStartWh,
    samples: readings.map(([t, wh]) => register(at(t), wh)),
    stoppedAtMs: ms(at(stop)),
  });
}

const energyOnly = (priceMilliMinor: number, taxRateBp: number) =>
  aTariff({ elements: [{ components: [energy(priceMilliMinor, taxRateBp)] }] });

const bandedEnergyAndTime = aTariff({
  elements: [
    { components: [energy(30_000), time(120_000)] },
    {
      label: 'Night',
      components: [energy(10_000), time(60_000)],
      restrictions: { startTime: '22:00', endTime: '06:00' },
    },
  ],
});

describe('receipts worked out by hand (LINE_NET_HALF_UP, CEIL_TO_STARTED_MINUTE)', () => {
  it.each<[string, () => Charge, Row[], [number, number, number]]>([
    [
      // ENERGY 23.456 kWh × 45.5p = 1067.248 → 1067; VAT 20 % = 213.4 → 213; gross 1280
      // TIME   1 h 17 min = 77 min × (120p / 60 = 2p) = 154; VAT 30.8 → 31; gross 185
      // FLAT   50; VAT 0 %; gross 50
      // total  net 1067 + 154 + 50 = 1271; VAT 213 + 31 + 0 = 244; gross 1515
      'seed: 23.456 kWh at 45.5p + 1 h 17 min at £1.20/h + £0.50 flat, 20 % / 20 % / 0 % VAT',
      () =>
        session(
          DEMO_TARIFF,
          '2026-03-02T10:00:00Z',
          1_000_000,
          [
            ['2026-03-02T10:00:00Z', 1_000_000],
            ['2026-03-02T10:30:00Z', 1_010_000],
            ['2026-03-02T11:17:00Z', 1_023_456],
          ],
          '2026-03-02T11:17:00Z',
        ),
      [
        ['ENERGY', 0, 23_456_000, 1067, 213, 1280],
        ['TIME', 0, 77, 154, 31, 185],
        ['FLAT', 0, 1, 50, 0, 50],
      ],
      [1271, 244, 1515],
    ],
    [
      // 7.777 kWh × 12.345p = 96.007065 → 96; VAT 5 % = 4.8 → 5; gross 101
      'sub-penny rate: 7.777 kWh at 12.345p/kWh, 5 % VAT',
      () =>
        session(
          energyOnly(12_345, 500),
          '2026-03-02T10:00:00Z',
          0,
          [['2026-03-02T11:00:00Z', 7777]],
          '2026-03-02T11:00:00Z',
        ),
      [['ENERGY', 0, 7_777_000, 96, 5, 101]],
      [96, 5, 101],
    ],
    [
      // 1 kWh × 12.5p = 12.5 → 13 (half up); VAT 20 % of 13 = 2.6 → 3; gross 16
      'net exactly at .5 rounds up: 1 kWh at 12.5p',
      () =>
        session(
          energyOnly(12_500, 2000),
          '2026-03-02T10:00:00Z',
          0,
          [['2026-03-02T10:30:00Z', 1000]],
          '2026-03-02T10:30:00Z',
        ),
      [['ENERGY', 0, 1_000_000, 13, 3, 16]],
      [13, 3, 16],
    ],
    [
      // 2 kWh × 5p = 10 exactly; VAT 5 % of 10 = 0.5 → 1 (half up); gross 11
      'tax exactly at .5 rounds up: 2 kWh at 5p, 5 % VAT',
      () =>
        session(
          energyOnly(5000, 500),
          '2026-03-02T10:00:00Z',
          0,
          [['2026-03-02T10:30:00Z', 2000]],
          '2026-03-02T10:30:00Z',
        ),
      [['ENERGY', 0, 2_000_000, 10, 1, 11]],
      [10, 1, 11],
    ],
    [
      // 0.999 kWh × 12.5p = 12.4875 → 12; VAT 2.4 → 2; gross 14
      'just under .5 rounds down: 0.999 kWh at 12.5p',
      () =>
        session(
          energyOnly(12_500, 2000),
          '2026-03-02T10:00:00Z',
          0,
          [['2026-03-02T10:30:00Z', 999]],
          '2026-03-02T10:30:00Z',
        ),
      [['ENERGY', 0, 999_000, 12, 2, 14]],
      [12, 2, 14],
    ],
    [
      // 7 min 1 s → 8 started minutes × 100p / 60 = 13.33 → 13; VAT 2.6 → 3; gross 16
      'time at £1.00/h for 7 min 1 s: 8 started minutes, a sub-penny rate per minute',
      () =>
        session(
          aTariff({ elements: [{ components: [time(100_000)] }] }),
          '2026-03-02T10:00:00Z',
          0,
          [],
          '2026-03-02T10:07:01Z',
        ),
      [['TIME', 0, 8, 13, 3, 16]],
      [13, 3, 16],
    ],
    [
      // no energy line; TIME 30 min × 2p = 60, VAT 12, gross 72; FLAT 50
      // total net 110, VAT 12, gross 122
      'zero energy: plugged in for 30 min, nothing delivered',
      () =>
        session(
          DEMO_TARIFF,
          '2026-03-02T10:00:00Z',
          5000,
          [
            ['2026-03-02T10:00:00Z', 5000],
            ['2026-03-02T10:10:00Z', 5000],
          ],
          '2026-03-02T10:30:00Z',
        ),
      [
        ['TIME', 0, 30, 60, 12, 72],
        ['FLAT', 0, 1, 50, 0, 50],
      ],
      [110, 12, 122],
    ],
    [
      // ENERGY 1 kWh × 30p = 30, VAT 6, gross 36
      // MINIMUM tops up 200 - 36 = 164 gross: net 164 / 1.2 = 136.67 → 137, VAT 164 - 137 = 27
      // total net 167, VAT 33, gross 200 (exactly the minimum)
      'minimum charge of £2.00 incl. 20 % VAT on a 1 kWh session',
      () =>
        session(
          aTariff({
            elements: [{ components: [energy(30_000)] }],
            minimumCharge: { grossMinor: 200, taxRateBp: 2000 },
          }),
          '2026-03-02T10:00:00Z',
          0,
          [['2026-03-02T10:20:00Z', 1000]],
          '2026-03-02T10:20:00Z',
        ),
      [
        ['ENERGY', 0, 1_000_000, 30, 6, 36],
        ['MINIMUM', null, 1, 137, 27, 164],
      ],
      [167, 33, 200],
    ],
    [
      // ENERGY 10 kWh × 30p = 300, VAT 60, gross 360
      // charging ended 11:00 (first reading at the final level); grace 10 min → parking 11:10 to 12:00
      // PARKING 50 min × (600p / 60 = 10p) = 500, VAT 100, gross 600
      // total net 800, VAT 160, gross 960
      'parking fee: £6/h after a 10 min grace, from when energy stopped rising to the stop',
      () =>
        session(
          aTariff({
            elements: [{ components: [energy(30_000), parking(600_000)] }],
            parkingGraceSeconds: 600,
          }),
          '2026-03-02T10:00:00Z',
          100_000,
          [
            ['2026-03-02T10:00:00Z', 100_000],
            ['2026-03-02T10:30:00Z', 105_000],
            ['2026-03-02T11:00:00Z', 110_000],
            ['2026-03-02T11:15:00Z', 110_000],
            ['2026-03-02T11:45:00Z', 110_000],
            ['2026-03-02T12:00:00Z', 110_000],
          ],
          '2026-03-02T12:00:00Z',
        ),
      [
        ['ENERGY', 0, 10_000_000, 300, 60, 360],
        ['PARKING', 0, 50, 500, 100, 600],
      ],
      [800, 160, 960],
    ],
    [
      // Night band 22:00-06:00 (crosses midnight), GMT in January. Start 21:30:20, stop 00:30:20.
      // ENERGY day:   start → 21:45 (2 kWh) + 21:45 → 22:00 (2 kWh, priced when that interval began)
      //               = 4 kWh × 30p = 120, VAT 24, gross 144
      // ENERGY night: 22:00 → 00:30:20 = 119 000 - 104 000 = 15 kWh × 10p = 150, VAT 30, gross 180
      // TIME day:     minutes starting 21:30:20 … 21:59:20 = 30 × 2p = 60, VAT 12, gross 72
      // TIME night:   minutes starting 22:00:20 … 00:29:20 = 150 × 1p = 150, VAT 30, gross 180
      // total net 480, VAT 96, gross 576
      'time-of-day band crossing midnight (energy and time)',
      () =>
        session(
          bandedEnergyAndTime,
          '2026-01-14T21:30:20Z',
          100_000,
          [
            ['2026-01-14T21:45:00Z', 102_000],
            ['2026-01-14T22:00:00Z', 104_000],
            ['2026-01-14T23:00:00Z', 110_000],
            ['2026-01-15T00:00:00Z', 116_000],
            ['2026-01-15T00:30:20Z', 119_000],
          ],
          '2026-01-15T00:30:20Z',
        ),
      [
        ['ENERGY', 0, 4_000_000, 120, 24, 144],
        ['ENERGY', 1, 15_000_000, 150, 30, 180],
        ['TIME', 0, 30, 60, 12, 72],
        ['TIME', 1, 150, 150, 30, 180],
      ],
      [480, 96, 576],
    ],
    [
      // The same session in July: local times are BST (UTC+1), so every instant is an hour earlier
      // in UTC and the receipt is identical.
      'the same band crossing in summer time',
      () =>
        session(
          bandedEnergyAndTime,
          '2026-07-14T20:30:20Z',
          100_000,
          [
            ['2026-07-14T20:45:00Z', 102_000],
            ['2026-07-14T21:00:00Z', 104_000],
            ['2026-07-14T22:00:00Z', 110_000],
            ['2026-07-14T23:00:00Z', 116_000],
            ['2026-07-14T23:30:20Z', 119_000],
          ],
          '2026-07-14T23:30:20Z',
        ),
      [
        ['ENERGY', 0, 4_000_000, 120, 24, 144],
        ['ENERGY', 1, 15_000_000, 150, 30, 180],
        ['TIME', 0, 30, 60, 12, 72],
        ['TIME', 1, 150, 150, 30, 180],
      ],
      [480, 96, 576],
    ],
    [
      // Begin 1234.567 kWh; 1240.5 Wh × 10^3; End 1.25789 kWh × 10^3 = 1257.890 kWh
      // 1 257 890 - 1 234 567 = 23 323 Wh × 25p = 583.075 → 583; VAT 5 % = 29.15 → 29; gross 612
      'kWh units and OCPP 2.0.1 multipliers',
      () =>
        priceSession(energyOnly(25_000, 500), {
          startedAtMs: ms(at('2026-03-02T10:00:00Z')),
          meterStartWh: 1_234_567,
          samples: samplesFromMeterValues([
            meterValue('2026-03-02T10:00:00Z', {
              value: '1234.567',
              unit: 'kWh',
              context: 'Transaction.Begin',
            }),
            meterValue('2026-03-02T10:30:00Z', {
              value: '1240.5',
              unitOfMeasure: { unit: 'Wh', multiplier: 3 },
            }),
            meterValue('2026-03-02T11:00:00Z', {
              value: '1.25789',
              unitOfMeasure: { unit: 'kWh', multiplier: 3 },
              context: 'Transaction.End',
            }),
          ]).samples,
          stoppedAtMs: ms(at('2026-03-02T11:00:00Z')),
        }),
      [['ENERGY', 0, 23_323_000, 583, 29, 612]],
      [583, 29, 612],
    ],
    [
      // meterStart 500 000; 505 000, 510 000, then the meter resets: 2 000, 6 000.
      // billed: (510 000 - 500 000) + (6 000 - 2 000) = 14 kWh × 30p = 420, VAT 84, gross 504
      // (a naive last - meterStart would be 6 000 - 500 000 < 0)
      'meter reset mid-session: the fall is not billed, the energy after it is',
      () =>
        session(
          energyOnly(30_000, 2000),
          '2026-03-02T10:00:00Z',
          500_000,
          [
            ['2026-03-02T10:15:00Z', 505_000],
            ['2026-03-02T10:30:00Z', 510_000],
            ['2026-03-02T10:45:00Z', 2_000],
            ['2026-03-02T11:00:00Z', 6_000],
          ],
          '2026-03-02T11:00:00Z',
        ),
      [['ENERGY', 0, 14_000_000, 420, 84, 504]],
      [420, 84, 504],
    ],
    [
      // meterStart 1 234 567 (lifetime) but the register restarts at 0: 10 kWh × 30p = 300, VAT 60
      'per-session register with a lifetime meterStart',
      () =>
        session(
          energyOnly(30_000, 2000),
          '2026-03-02T10:00:00Z',
          1_234_567,
          [
            ['2026-03-02T10:00:00Z', 0],
            ['2026-03-02T11:00:00Z', 10_000],
          ],
          '2026-03-02T11:00:00Z',
        ),
      [['ENERGY', 0, 10_000_000, 300, 60, 360]],
      [300, 60, 360],
    ],
  ])('%s', (_, price, lines, [net, tax, gross]) => {
    const charge = price();
    expect(receipt(charge)).toEqual(lines);
    expect(charge.totals).toEqual({ netMinor: net, taxMinor: tax, grossMinor: gross });
    expect(charge.rounding).toBe('LINE_NET_HALF_UP');
  });

  it('flags what it did not bill', () => {
    const charge = session(
      energyOnly(30_000, 2000),
      '2026-03-02T10:00:00Z',
      500_000,
      [
        ['2026-03-02T10:30:00Z', 510_000],
        ['2026-03-02T10:45:00Z', 2_000],
      ],
      '2026-03-02T11:00:00Z',
    );
    expect(charge.flags).toEqual({
      source: 'register',
      baseline: 'meter-start',
      meterReset: true,
      negativeDelta: false,
      stopBeforeStart: false,
    });
  });

  it('gives a VAT summary per rate for invoices', () => {
    const charge = session(
      DEMO_TARIFF,
      '2026-03-02T10:00:00Z',
      0,
      [['2026-03-02T11:17:00Z', 23_456]],
      '2026-03-02T11:17:00Z',
    );
    expect(charge.taxes).toEqual([
      { taxRateBp: 0, netMinor: 50, taxMinor: 0, grossMinor: 50 },
      // 1067 + 154 = 1221 net, 213 + 31 = 244 VAT (sum of the per-line taxes)
      { taxRateBp: 2000, netMinor: 1221, taxMinor: 244, grossMinor: 1465 },
    ]);
  });
});

describe('energy across a band boundary is split linearly by time (ENERGY_SPLIT_LINEAR_HALF_UP)', () => {
  // Day 30p/kWh, night 10p/kWh from 22:00 to 06:00 London time (GMT in January), VAT 20 %.
  const tariff = aDayNightTariff();
  const energyByBand = (charge: Charge) =>
    charge.lines.filter((l) => l.component === 'ENERGY').map((l) => [l.elementIndex, l.quantity]);

  it.each<[string, string, number, [string, number][], [number, number][]]>([
    [
      'readings 10 min either side of 22:00: half and half',
      '2026-01-14T21:50:00Z',
      100_000,
      [['2026-01-14T22:10:00Z', 106_000]],
      [
        [0, 3_000_000],
        [1, 3_000_000],
      ],
    ],
    [
      '5 min before and 15 min after: a quarter by day',
      '2026-01-14T21:55:00Z',
      100_000,
      [['2026-01-14T22:15:00Z', 108_000]],
      [
        [0, 2_000_000],
        [1, 6_000_000],
      ],
    ],
    [
      'from the meterStart baseline to the first reading too',
      '2026-01-14T21:30:00Z',
      100_000,
      [['2026-01-14T22:30:00Z', 104_000]],
      [
        [0, 2_000_000],
        [1, 2_000_000],
      ],
    ],
    [
      'across two boundaries (21:00 to 07:00): 2 h by day, 8 h by night',
      '2026-01-14T21:00:00Z',
      100_000,
      [['2026-01-15T07:00:00Z', 110_000]],
      [
        [0, 2_000_000],
        [1, 8_000_000],
      ],
    ],
    [
      'a reading exactly on the boundary needs no split',
      '2026-01-14T21:50:00Z',
      100_000,
      [
        ['2026-01-14T22:00:00Z', 101_000],
        ['2026-01-14T22:10:00Z', 106_000],
      ],
      [
        [0, 1_000_000],
        [1, 5_000_000],
      ],
    ],
  ])('%s', (_name, start, meterStartWh, readings, expected) => {
    const stop = (readings[readings.length - 1] as [string, number])[0];
    expect(energyByBand(session(tariff, start, meterStartWh, readings, stop))).toEqual(expected);
  });

  it('rounds the energy before the boundary half up to the mWh; the rest goes after it', () => {
    // 10 mWh over 3 s, boundary after 1 s: 3.33 mWh before → 3, 7 after; 5 mWh over 2 s: 2.5 → 3.
    const boundary = at('2026-01-14T22:00:00Z');
    const price = (milliWh: number, seconds: number) =>
      energyByBand(
        priceSession(tariff, {
          startedAtMs: ms(boundary - 1),
          meterStartWh: 0,
          samples: [{ atMs: ms(boundary - 1 + seconds), kind: 'register', milliWh }],
          stoppedAtMs: ms(boundary - 1 + seconds),
        }),
      );
    expect(price(10, 3)).toEqual([
      [0, 3],
      [1, 7],
    ]);
    expect(price(5, 2)).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });
});

describe('the minimum charge line: net = shortfall ÷ (1 + rate) half up, tax = shortfall − net', () => {
  // The one exception to the per-line tax rule: the driver pays exactly the minimum.
  it.each([
    // [shortfall, rate bp, net, tax]
    [164, 2000, 137, 27],
    [3, 2000, 3, 0], // 2.5 → 3; the per-line rule would add 20 % of 3 → 1 and bill 4
    [6, 2000, 5, 1],
    [21, 500, 20, 1],
    [1, 500, 1, 0],
    [250, 0, 250, 0],
  ])('a shortfall of %i at %i bp: net %i, tax %i', (shortfall, taxRateBp, net, tax) => {
    const tariff = aTariff({
      elements: [{ components: [energy(30_000)] }],
      minimumCharge: { grossMinor: shortfall, taxRateBp },
    });
    const start = at('2026-03-02T10:00:00Z');
    const charge = priceSession(tariff, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [],
      stoppedAtMs: ms(start + 60),
    });
    expect(receipt(charge)).toEqual([['MINIMUM', null, 1, net, tax, shortfall]]);
    expect(charge.totals.grossMinor).toBe(shortfall);
  });
});

describe('time is billed from start to stop, idle minutes included', () => {
  it('bills an idle minute as TIME and as PARKING (parking is an overstay fee on top of time)', () => {
    const tariff = aTariff({ elements: [{ components: [energy(0), time(60_000, 0), parking(600_000, 0)] }] });
    const start = at('2026-03-02T10:00:00Z');
    const charge = priceSession(tariff, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [register(start + 1800, 5_000)],
      stoppedAtMs: ms(start + 3600),
    });
    // Charging ended at 10:30; stopped at 11:00: 60 minutes of TIME at 1p, 30 of PARKING at 10p.
    expect(receipt(charge)).toEqual([
      ['ENERGY', 0, 5_000_000, 0, 0, 0],
      ['TIME', 0, 60, 60, 0, 60],
      ['PARKING', 0, 30, 300, 0, 300],
    ]);
  });
});

describe('millisecond timestamps: kept from the charger and billed from', () => {
  const iso = (text: string) => Date.parse(text);

  it('splits at a band boundary between readings half a second either side of it', () => {
    // Truncated to seconds the reading would sit on 22:00:00 and all 1 kWh would be billed by day.
    const charge = priceSession(aDayNightTariff(), {
      startedAtMs: iso('2026-01-14T21:59:59.500Z'),
      meterStartWh: 0,
      samples: samplesFromMeterValues([meterValue('2026-01-14T22:00:00.500Z', { value: '1000' })]).samples,
      stoppedAtMs: iso('2026-01-14T22:00:00.500Z'),
    });
    expect(charge.lines.map((l) => [l.elementIndex, l.quantity])).toEqual([
      [0, 500_000],
      [1, 500_000],
    ]);
  });

  it('bills time per started minute from the milliseconds: 60.8 s is two started minutes', () => {
    const perMinute = aTariff({ elements: [{ components: [time(60_000, 0)] }] });
    const price = (start: string, stop: string) =>
      priceSession(perMinute, {
        startedAtMs: iso(start),
        meterStartWh: 0,
        samples: [],
        stoppedAtMs: iso(stop),
      });
    const over = price('2026-03-02T10:00:00.100Z', '2026-03-02T10:01:00.900Z');
    expect(over.billedMinutes).toBe(2);
    expect(over.durationSeconds).toBe(60); // whole seconds for display
    expect(price('2026-03-02T10:00:00.900Z', '2026-03-02T10:01:00.100Z').billedMinutes).toBe(1); // 59.2 s
  });

  it('reads an aggregate stored before milliseconds (version 1) and bills it as before', () => {
    const tariff = aDayNightTariff();
    const start = at('2026-01-14T21:50:00Z');
    // The JSON the version 1 fold stored for readings at 21:55 and 22:05, epoch seconds.
    const v1 = {
      version: 1 as const,
      startedAt: start,
      meterStartWh: 100_000,
      maxPowerW: 4_000_000,
      segmentation: initAggregate({ tariff, startedAtMs: ms(start), meterStartWh: 0 }).segmentation,
      register: [
        { from: at('2026-01-14T06:00:00Z'), first: { at: start + 300, milliWh: 101_000_000 } },
        { from: at('2026-01-14T22:00:00Z'), first: { at: start + 900, milliWh: 104_000_000 } },
      ].map((b) => ({ from: b.from, first: b.first, last: b.first, peak: b.first, trough: b.first })),
      intervals: [],
      lastSampleAt: start + 900,
      flags: {
        source: 'register' as const,
        baseline: 'meter-start' as const,
        meterReset: false,
        negativeDelta: false,
      },
    };
    const samples = [register(start + 300, 101_000), register(start + 900, 104_000)];
    const fresh = foldSamples(
      initAggregate({ tariff, startedAtMs: ms(start), meterStartWh: 100_000 }),
      samples,
    );
    const times = { stoppedAtMs: ms(start + 900) };
    expect(priceAggregate(tariff, v1, times)).toEqual(priceAggregate(tariff, fresh, times));
    // Folding into it writes version 2; folding what it already holds changes nothing.
    expect(foldSamples(v1, samples)).toBe(v1);
    const later = register(start + 1200, 105_000);
    expect(foldSamples(v1, [later])).toEqual(foldSamples(fresh, [later]));
  });
});

describe('time billed per started minute (CEIL_TO_STARTED_MINUTE)', () => {
  const perMinute = aTariff({ elements: [{ components: [time(60_000, 0)] }] }); // 1p a minute
  it.each([
    [0, 0],
    [1, 1],
    [59, 1],
    [60, 1],
    [61, 2],
    [4620, 77], // 1 h 17 min
    [4621, 78],
  ])('%i s → %i minutes', (seconds, minutes) => {
    const start = at('2026-03-02T10:00:00Z');
    const charge = priceSession(perMinute, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [],
      stoppedAtMs: ms(start + seconds),
    });
    expect(charge.billedMinutes).toBe(minutes);
    expect(charge.totals.grossMinor).toBe(minutes);
  });
});

describe('parking grace', () => {
  const tariff = aTariff({
    elements: [{ components: [energy(0), parking(600_000, 0)] }],
    parkingGraceSeconds: 600,
  });
  const start = at('2026-03-02T10:00:00Z');
  const samples = [register(start, 0), register(start + 3600, 10_000)];
  it.each([
    [3600 + 600, 0], // stopped at the end of the grace
    [3600 + 630, 1], // 30 s past it: one started minute, 10p
    [3600 + 3600, 50],
  ])('stopped %i s after the start → %i minutes', (stopAfter, minutes) => {
    const charge = priceSession(tariff, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples,
      stoppedAtMs: ms(start + stopAfter),
    });
    expect(charge.billedParkingMinutes).toBe(minutes);
    expect(charge.totals.grossMinor).toBe(minutes * 10);
  });

  it('bills no parking when no energy flowed at all, by default', () => {
    const charge = priceSession(tariff, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [register(start, 0), register(start + 3600, 0)],
      stoppedAtMs: ms(start + 7200),
    });
    expect(charge.chargingEndedAt).toBeNull();
    expect(charge.lines).toEqual([]);
  });

  describe('with parkingWithoutEnergy: a session that takes no energy idles from its start', () => {
    const strict = aTariff({ ...tariff, parkingWithoutEnergy: true });
    const noEnergy = [register(start, 0), register(start + 3600, 0)];

    it('bills parking from the start plus the grace period to the stop', () => {
      const charge = priceSession(strict, {
        startedAtMs: ms(start),
        meterStartWh: 0,
        samples: noEnergy,
        stoppedAtMs: ms(start + 7200),
      });
      // 7200 s - 600 s of grace = 110 minutes at 10p.
      expect(charge.chargingEndedAt).toBeNull();
      expect(charge.parkingSeconds).toBe(6600);
      expect(receipt(charge)).toEqual([['PARKING', 0, 110, 1100, 0, 1100]]);
    });

    it('bills nothing within the grace period, and only to the latest sample while running', () => {
      const within = priceSession(strict, {
        startedAtMs: ms(start),
        meterStartWh: 0,
        samples: [],
        stoppedAtMs: ms(start + 600),
      });
      expect(within.lines).toEqual([]);
      const running = priceSession(strict, {
        startedAtMs: ms(start),
        meterStartWh: 0,
        samples: noEnergy,
        nowMs: ms(start + 7200),
      });
      expect(running.billedParkingMinutes).toBe(50); // to the 3600 s sample, not to now
    });

    it('changes nothing once energy has flowed', () => {
      const session = { startedAtMs: ms(start), meterStartWh: 0, samples, stoppedAtMs: ms(start + 7200) };
      expect(priceSession(strict, session).lines).toEqual(priceSession(tariff, session).lines);
    });
  });
});

describe('a running session', () => {
  const start = at('2026-03-02T10:00:00Z');
  const state = foldSamples(initAggregate({ tariff: DEMO_TARIFF, startedAtMs: ms(start), meterStartWh: 0 }), [
    register(start, 0),
    register(start + 600, 5000),
  ]);

  it('bills time to the latest sample, or to now when later', () => {
    expect(priceAggregate(DEMO_TARIFF, state).billedMinutes).toBe(10);
    expect(priceAggregate(DEMO_TARIFF, state, { nowMs: ms(start + 900) }).billedMinutes).toBe(15);
    expect(priceAggregate(DEMO_TARIFF, state, { nowMs: ms(start + 60) }).billedMinutes).toBe(10);
    expect(priceAggregate(DEMO_TARIFF, state, { nowMs: ms(start + 900) }).stopped).toBe(false);
  });

  it('bills parking only up to the latest sample while running', () => {
    const idle = aTariff({ elements: [{ components: [energy(0), parking(600_000)] }] });
    const running = foldSamples(initAggregate({ tariff: idle, startedAtMs: ms(start), meterStartWh: 0 }), [
      register(start + 600, 5000),
      register(start + 1200, 5000),
    ]);
    // Charging ended at +600 s; the latest sample (+1200 s) shows 10 idle minutes; `now` adds none.
    expect(priceAggregate(idle, running, { nowMs: ms(start + 3600) }).billedParkingMinutes).toBe(10);
  });

  it('clamps and flags a stop before the start (charger clock trouble)', () => {
    const charge = priceAggregate(DEMO_TARIFF, state, { stoppedAtMs: ms(start - 30) });
    expect(charge.durationSeconds).toBe(0);
    expect(charge.flags.stopBeforeStart).toBe(true);
  });

  it('refuses a tariff with other energy bands than the session was started with', () => {
    expect(() => priceAggregate(aDayNightTariff(), state)).toThrow(DomainError);
    expect(() => priceAggregate(aDayNightTariff(), state)).toThrow(/other energy price bands/);
  });

  it('refuses times that are not epoch milliseconds', () => {
    expect(() => priceAggregate(DEMO_TARIFF, state, { stoppedAtMs: 1.5 })).toThrow(/epoch milliseconds/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on realistic sessions: a charger delivering its readings late, out of order, in
// batches and twice still gets the same receipt, and every receipt adds up.

const START = at('2026-01-14T21:00:00Z');
const tariffs = [
  DEMO_TARIFF,
  bandedEnergyAndTime,
  aTariff({
    elements: [{ components: [energy(33_333, 500), flat(99_999, 2000)] }],
    minimumCharge: { grossMinor: 250, taxRateBp: 2000 },
  }),
];

const deliveryArb = fc
  .record({
    tariff: fc.constantFrom(...tariffs),
    steps: fc.array(
      fc.record({ seconds: fc.integer({ min: 1, max: 1800 }), wh: fc.integer({ min: 0, max: 5000 }) }),
      {
        minLength: 1,
        maxLength: 40,
      },
    ),
  })
  .chain(({ tariff, steps }) => {
    let t = START;
    let wh = 100_000;
    const readings: EnergySample[] = [register(START, wh)];
    for (const step of steps) {
      t += step.seconds;
      wh += step.wh;
      readings.push(register(t, wh));
    }
    return fc.record({
      tariff: fc.constant(tariff),
      readings: fc.constant(readings),
      stoppedAt: fc.constant(t),
      // Each delivery is a batch of readings in any order, some of them sent more than once.
      deliveries: fc.array(fc.shuffledSubarray(readings), { minLength: 0, maxLength: 6 }),
      permuted: fc.shuffledSubarray(readings, { minLength: readings.length, maxLength: readings.length }),
    });
  });

describe('pricing properties (fast-check)', () => {
  it('late, disordered, batched and repeated deliveries give the same charge', () => {
    fc.assert(
      fc.property(deliveryArb, ({ tariff, readings, stoppedAt, deliveries, permuted }) => {
        const expected = priceSession(tariff, {
          startedAtMs: ms(START),
          meterStartWh: 100_000,
          samples: readings,
          stoppedAtMs: ms(stoppedAt),
        });
        let state = initAggregate({ tariff, startedAtMs: ms(START), meterStartWh: 100_000 });
        for (const batch of [...deliveries, permuted]) state = foldSamples(state, batch);
        expect(priceAggregate(tariff, state, { stoppedAtMs: ms(stoppedAt) })).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('every receipt adds up: gross = net + tax per line, totals and VAT summary are the sums', () => {
    fc.assert(
      fc.property(deliveryArb, ({ tariff, readings, stoppedAt }) => {
        const charge = priceSession(tariff, {
          startedAtMs: ms(START),
          meterStartWh: 100_000,
          samples: readings,
          stoppedAtMs: ms(stoppedAt),
        });
        const sum = (
          key: 'netMinor' | 'taxMinor' | 'grossMinor',
          items: readonly { [k in typeof key]: number }[],
        ) => items.reduce((acc, item) => acc + item[key], 0);
        for (const line of charge.lines) {
          expect(line.grossMinor).toBe(line.netMinor + line.taxMinor);
          expect(line.netMinor).toBeGreaterThanOrEqual(0);
          expect(line.taxMinor).toBeGreaterThanOrEqual(0);
        }
        for (const key of ['netMinor', 'taxMinor', 'grossMinor'] as const) {
          expect(charge.totals[key]).toBe(sum(key, charge.lines));
          expect(charge.totals[key]).toBe(sum(key, charge.taxes));
        }
        expect(charge.energyMilliWh).toBe(readings.at(-1)!.milliWh - readings[0]!.milliWh);
        if (tariff.minimumCharge)
          expect(charge.totals.grossMinor).toBeGreaterThanOrEqual(tariff.minimumCharge.grossMinor);
      }),
      { numRuns: 200 },
    );
  });
});
