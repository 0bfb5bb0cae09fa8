import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared/domain/errors.js';
import {
  compileTariff,
  energySegmentation,
  InvalidTariffError,
  parseTariff,
  safeParseTariff,
  snapshotTariff,
} from '../../../shared/domain/tariff.js';
import {
  aDayNightTariff,
  aTariff,
  DEMO_TARIFF,
  energy,
  flat,
  time,
} from '../../fixtures/builders/pricing.js';

const base = {
  id: 't',
  operatorId: 'op',
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [{ components: [energy(30_000)] }],
};

function issuesOf(input: unknown): string {
  const result = safeParseTariff(input);
  if (result.ok) throw new Error('expected the tariff to be refused');
  return result.error.message;
}

describe('tariff schema: valid tariffs', () => {
  it('accepts the demo tariff, a day/night tariff and a weekend tariff', () => {
    expect(parseTariff(DEMO_TARIFF)).toEqual(DEMO_TARIFF);
    expect(() => aDayNightTariff()).not.toThrow();
    expect(() =>
      aTariff({
        elements: [
          { components: [energy(30_000), flat(0)] },
          {
            label: 'Weekend',
            components: [energy(20_000)],
            restrictions: { daysOfWeek: ['SATURDAY', 'SUNDAY'] },
          },
        ],
        minimumCharge: { grossMinor: 100, taxRateBp: 2000 },
        parkingGraceSeconds: 600,
      }),
    ).not.toThrow();
  });

  it('accepts windows that tile the week without a default price', () => {
    expect(() =>
      aTariff({
        elements: [
          { components: [energy(30_000)], restrictions: { startTime: '06:00', endTime: '22:00' } },
          { components: [energy(10_000)], restrictions: { startTime: '22:00', endTime: '06:00' } },
        ],
      }),
    ).not.toThrow();
  });
});

describe('tariff schema: refused with a clear message', () => {
  const component = (over: object) => ({
    ...base,
    elements: [{ components: [{ ...energy(30_000), ...over }] }],
  });
  it.each([
    [
      'a negative price',
      component({ priceMilliMinor: -1 }),
      'elements[0].components[0].priceMilliMinor: priceMilliMinor must not be negative',
    ],
    [
      'a fractional price',
      component({ priceMilliMinor: 45.5 }),
      'priceMilliMinor must be a whole number of thousandths of a minor unit (45.5p per kWh is 45500)',
    ],
    [
      'a price as a string',
      component({ priceMilliMinor: '45500' }),
      'priceMilliMinor must be a whole number',
    ],
    ['a negative tax rate', component({ taxRateBp: -2000 }), 'taxRateBp must not be negative'],
    ['a tax rate over 100 %', component({ taxRateBp: 20_000 }), 'taxRateBp must be at most 10000 (100 %)'],
    [
      'a tax rate as a fraction',
      component({ taxRateBp: 0.2 }),
      'taxRateBp must be a whole number of basis points (20 % is 2000)',
    ],
    [
      'an unknown component type',
      component({ type: 'KWH' }),
      'type must be one of ENERGY, TIME, PARKING, FLAT',
    ],
    [
      'a lower-case currency',
      { ...base, currency: 'gbp' },
      'currency: currency must be an ISO 4217 code in upper case, e.g. "GBP"',
    ],
    ['a made-up currency', { ...base, currency: 'QQQ' }, 'currency must be an ISO 4217 code'],
    ['a four-letter currency', { ...base, currency: 'EURO' }, 'currency must be an ISO 4217 code'],
    [
      'an unknown time zone',
      { ...base, timeZone: 'Mars/Olympus_Mons' },
      'timeZone: timeZone must be an IANA time zone',
    ],
    ['no elements', { ...base, elements: [] }, 'elements: a tariff needs at least one element'],
    [
      'an element without components',
      { ...base, elements: [{ components: [] }] },
      'an element needs at least one price component',
    ],
    ['an unknown field', { ...base, pricePerKwh: 45 }, 'Unrecognized key: "pricePerKwh"'],
    ['a missing operator', { ...base, operatorId: '' }, 'operatorId: operatorId must not be empty'],
    [
      'a component twice in one element',
      { ...base, elements: [{ components: [energy(1), energy(2)] }] },
      'elements[0].components[1].type: ENERGY appears twice in one element',
    ],
    [
      'two default prices for one component',
      { ...base, elements: [{ components: [energy(1)] }, { components: [energy(2)] }] },
      'elements[0] and elements[1] both set an unrestricted ENERGY price',
    ],
    [
      'overlapping windows',
      {
        ...base,
        elements: [
          { components: [energy(3)] },
          { components: [energy(1)], restrictions: { startTime: '22:00', endTime: '06:00' } },
          {
            components: [energy(2)],
            restrictions: { startTime: '05:00', endTime: '07:00', daysOfWeek: ['TUESDAY'] },
          },
        ],
      },
      'elements[1] and elements[2] both price ENERGY at TUESDAY 05:00; time windows for the same component must not overlap',
    ],
    [
      'a gap with no default price',
      {
        ...base,
        elements: [{ components: [energy(1)], restrictions: { startTime: '22:00', endTime: '06:00' } }],
      },
      'ENERGY has no price at MONDAY 06:00; cover the whole week or add an element without restrictions',
    ],
    [
      'a start time without an end time',
      { ...base, elements: [{ components: [energy(1)], restrictions: { startTime: '22:00' } }] },
      'elements[0].restrictions: give both startTime and endTime, or neither',
    ],
    [
      'an empty window',
      {
        ...base,
        elements: [{ components: [energy(1)], restrictions: { startTime: '08:00', endTime: '08:00' } }],
      },
      'elements[0].restrictions.endTime: endTime must differ from startTime',
    ],
    [
      'a time that is not HH:MM',
      {
        ...base,
        elements: [{ components: [energy(1)], restrictions: { startTime: '7:00', endTime: '24:00' } }],
      },
      'startTime must be a local time "HH:MM" from 00:00 to 23:59',
    ],
    [
      'a repeated day',
      {
        ...base,
        elements: [{ components: [energy(1)], restrictions: { daysOfWeek: ['MONDAY', 'MONDAY'] } }],
      },
      'daysOfWeek must not repeat a day',
    ],
    [
      'an unknown day',
      { ...base, elements: [{ components: [energy(1)], restrictions: { daysOfWeek: ['MON'] } }] },
      'daysOfWeek entries must be one of MONDAY',
    ],
    [
      'restrictions that restrict nothing',
      { ...base, elements: [{ components: [energy(1)], restrictions: {} }] },
      'restrictions must limit something',
    ],
    [
      'a zero minimum charge',
      { ...base, minimumCharge: { grossMinor: 0, taxRateBp: 2000 } },
      'minimumCharge.grossMinor must be positive',
    ],
    [
      'a negative grace period',
      { ...base, parkingGraceSeconds: -60 },
      'parkingGraceSeconds must not be negative',
    ],
  ])('%s', (_, input, message) => {
    expect(issuesOf(input)).toContain(message);
  });

  it('throws InvalidTariffError listing every issue with its path', () => {
    const bad = { ...base, currency: 'gbp', elements: [{ components: [{ ...energy(-1), taxRateBp: -1 }] }] };
    expect(() => parseTariff(bad)).toThrow(InvalidTariffError);
    try {
      parseTariff(bad);
    } catch (error) {
      const e = error as InvalidTariffError;
      expect(e).toBeInstanceOf(DomainError);
      expect(e.code).toBe('TARIFF_INVALID');
      expect(e.issues.map((i) => i.path)).toEqual([
        'currency',
        'elements[0].components[0].priceMilliMinor',
        'elements[0].components[0].taxRateBp',
      ]);
      expect(e.message).toMatch(/^Invalid tariff: currency: currency must be/);
    }
  });
});

describe('snapshotTariff', () => {
  it('copies the tariff so that later edits to the live one do not reach the session', () => {
    const live = aDayNightTariff();
    const snapshot = snapshotTariff(live);
    expect(snapshot).toEqual(live);
    (live.elements[0]?.components[0] as { priceMilliMinor: number }).priceMilliMinor = 99_999;
    expect(snapshot.elements[0]?.components[0]?.priceMilliMinor).toBe(30_000);
  });

  it('is plain JSON: a round trip through storage gives the same tariff', () => {
    const snapshot = snapshotTariff(DEMO_TARIFF);
    expect(parseTariff(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });
});

describe('compileTariff', () => {
  it('finds where a night band 22:00-06:00 starts and ends on each day', () => {
    const { boundaries } = energySegmentation(aDayNightTariff());
    // Monday 06:00 is minute 360, Monday 22:00 is 1320; then every day + 1440.
    expect(boundaries).toEqual(Array.from({ length: 7 }, (_, d) => [d * 1440 + 360, d * 1440 + 1320]).flat());
  });

  it('has no boundaries for a single price, and none for components that do not vary', () => {
    const tariff = aTariff({
      elements: [
        { components: [energy(30_000), time(120_000)] },
        { components: [energy(20_000)], restrictions: { daysOfWeek: ['SUNDAY'] } },
      ],
    });
    const compiled = compileTariff(tariff);
    expect(compiled.bands.ENERGY.boundaries).toEqual([0, 6 * 1440]);
    expect(compiled.bands.TIME).toEqual({ constant: 0, table: null, boundaries: [] });
    expect(compiled.bands.PARKING).toEqual({ constant: null, table: null, boundaries: [] });
    expect(energySegmentation(DEMO_TARIFF).boundaries).toEqual([]);
  });

  it('refuses an invalid object even when it is typed as a Tariff', () => {
    const broken = { ...DEMO_TARIFF, currency: 'pounds' };
    expect(() => compileTariff(broken)).toThrow(InvalidTariffError);
  });
});
