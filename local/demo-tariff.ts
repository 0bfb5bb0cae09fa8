/**
 * The demo operator's service rate: 45.5p/kWh, £1.20 per hour of charging and £0.50 per session
 * (the pricing issue's worked example), a cheaper overnight energy band, and an idle fee for cars
 * left plugged in more than 30 minutes after charging ends.
 */
import { parseTariff, type Tariff } from '../shared/domain/tariff.js';

export const DEMO_TARIFF: Tariff = parseTariff({
  id: 'tariff-standard',
  operatorId: 'op-demo',
  name: 'Standard',
  currency: 'GBP',
  timeZone: 'Europe/London',
  elements: [
    {
      components: [
        { type: 'ENERGY', priceMilliMinor: 45_500, taxRateBp: 2000 },
        { type: 'TIME', priceMilliMinor: 120_000, taxRateBp: 2000 },
        { type: 'PARKING', priceMilliMinor: 600_000, taxRateBp: 2000 },
        { type: 'FLAT', priceMilliMinor: 50_000, taxRateBp: 0 },
      ],
    },
    {
      label: 'Overnight',
      components: [{ type: 'ENERGY', priceMilliMinor: 25_000, taxRateBp: 2000 }],
      restrictions: { startTime: '00:30', endTime: '04:30' },
    },
  ],
  parkingGraceSeconds: 1800,
});
