/**
 * The public session shape: an operator reads each component of the charge with its own tax, as
 * the receipt shows it, and nothing of the stored pricing internals (band index, aggregate).
 */
import { describe, expect, it } from 'vitest';
import { TransactionShape, transactionOut } from '../../../shared/http/openapi/resources.js';

const storedCharge = {
  tariffId: 'tariff-standard',
  currency: 'gbp',
  durationSeconds: 4620,
  lines: [
    {
      component: 'ENERGY',
      elementIndex: 1,
      label: 'Night',
      quantity: 8_500_000,
      unit: 'milliWh',
      priceMilliMinor: 45_500,
      taxRateBp: 2000,
      netMinor: 387,
      taxMinor: 77,
      grossMinor: 464,
    },
    {
      component: 'MINIMUM',
      elementIndex: null,
      quantity: 1,
      unit: 'session',
      priceMilliMinor: null,
      taxRateBp: 2000,
      netMinor: 4,
      taxMinor: 1,
      grossMinor: 5,
    },
  ],
  totals: { netMinor: 391, taxMinor: 78, grossMinor: 469 },
  aggregate: { version: 2 },
};

describe('transactionOut', () => {
  it('lists the charge lines, each with its tax, and leaves the band index and aggregate out', () => {
    const out = transactionOut({
      chargerId: 'CP-1',
      transactionId: 7,
      operatorId: 'op-1',
      status: 'final',
      charge: storedCharge,
    });
    expect(out.charge?.lines).toEqual([
      {
        component: 'ENERGY',
        label: 'Night',
        quantity: 8_500_000,
        unit: 'milliWh',
        priceMilliMinor: 45_500,
        taxRateBp: 2000,
        netMinor: 387,
        taxMinor: 77,
        grossMinor: 464,
      },
      {
        component: 'MINIMUM',
        quantity: 1,
        unit: 'session',
        priceMilliMinor: null,
        taxRateBp: 2000,
        netMinor: 4,
        taxMinor: 1,
        grossMinor: 5,
      },
    ]);
    expect(out.charge?.totals).toEqual({ currency: 'GBP', netMinor: 391, taxMinor: 78, grossMinor: 469 });
    // The documented shape is strict: an internal field would fail this parse.
    expect(TransactionShape.parse(out)).toEqual(out);
  });
});
