import { describe, expect, it } from 'vitest';
import { describeTariff } from '../../../shared/web/tariff-summary.js';
import { aTariff, energy, flat, parking, time } from '../../fixtures/builders/pricing.js';

describe('the tariff in words', () => {
  it.each([
    ['GBP', 45_500, 'Energy: £0.455 per kWh, + 20% VAT'],
    ['EUR', 300_000, 'Energy: €3.00 per kWh, + 20% VAT'],
    // Yen has no minor digits: 30 000 thousandths of a yen is ¥30 (JP¥ in British English), not "0.30 JPY".
    ['JPY', 30_000, 'Energy: JP¥30 per kWh, + 20% VAT'],
  ])('%s %i per kWh reads "%s"', (currency, price, line) => {
    const tariff = aTariff({ currency, elements: [{ components: [energy(price)] }] });
    expect(describeTariff(tariff as unknown as Record<string, unknown>)[0]).toBe(line);
  });

  it('names each component with its unit and tax', () => {
    const tariff = aTariff({ elements: [{ components: [time(120_000), flat(50_000, 0)] }] });
    expect(describeTariff(tariff as unknown as Record<string, unknown>)).toEqual([
      'Time: £1.20 per hour of charging, billed per minute, + 20% VAT',
      'Session fee: £0.50 per session, no VAT',
    ]);
  });

  it('tells the driver when the idle fee applies to a car that takes no energy', () => {
    const idle = { elements: [{ components: [energy(30_000), parking(600_000)] }], parkingGraceSeconds: 600 };
    const lines = (t: Record<string, unknown>) =>
      describeTariff(aTariff(t) as unknown as Record<string, unknown>);
    expect(lines(idle)).not.toContain(
      'If the car takes no energy, the idle fee starts 10 minutes after plugging in',
    );
    expect(lines({ ...idle, parkingWithoutEnergy: true })).toContain(
      'If the car takes no energy, the idle fee starts 10 minutes after plugging in',
    );
  });
});
