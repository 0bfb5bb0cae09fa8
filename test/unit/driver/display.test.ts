/**
 * The driver's live page words its charge lines as the receipt does, notes included: one source
 * (receiptLineView), so a driver comparing the page with the emailed receipt reads the same thing.
 */
import { describe, expect, it } from 'vitest';
import type { DriverSessionView } from '../../../shared/app/payments/session-view.js';
import { priceSession } from '../../../shared/domain/pricing.js';
import { sessionDisplay } from '../../../shared/web/driver/display.js';
import { transactionPage } from '../../../shared/web/driver/transaction-page.js';
import { buildTransactionReceipt } from '../../../shared/web/receipts/model.js';
import { aDayNightTariff, at, ms, parking, register } from '../../fixtures/builders/pricing.js';
import { aTransactionInput } from '../../fixtures/receipts/samples.js';

const SPLIT_NOTE =
  'Energy drawn between two meter readings either side of a price change is split between the bands in proportion to time.';
const IDLE_NOTE = 'Idle minutes count as charging time too; this fee is on top of it.';

// 21:50 → 22:10 GMT across the 22:00 night band, then idle to 22:30 (as the receipt tests).
const tariff = aDayNightTariff(30_000, 10_000, [{ components: [parking(600_000)] }]);
const start = at('2026-01-14T21:50:00Z');
const charge = priceSession(tariff, {
  startedAtMs: ms(start),
  meterStartWh: 0,
  samples: [register(start + 1200, 6_000)],
  stoppedAtMs: ms(start + 2400),
});

function aView(lines: DriverSessionView['lines']): DriverSessionView {
  return {
    status: 'final-readings-pending',
    operator: { name: 'Demo Charging' },
    chargerId: 'CP-1',
    connectorId: 1,
    email: 'driver@example.com',
    currency: charge.currency,
    preAuthAmountMinor: 3000,
    paymentIntentId: 'pi_1',
    energyWh: 6000,
    durationSeconds: 2400,
    averagePowerW: 9000,
    lines,
    totals: charge.totals,
    canStop: false,
    canCancel: false,
    receipts: [],
  };
}

describe("the driver's live page: charge lines", () => {
  it("are the receipt's lines, with the band-split note on each energy band and the idle note", () => {
    const display = sessionDisplay(aView(charge.lines));
    const receipt = buildTransactionReceipt(
      aTransactionInput({ charge, capturedMinor: charge.totals.grossMinor }),
    );
    expect(display.lines).toEqual(receipt.lines);
    const notes = display.lines.map((l) => [l.description, l.note]);
    expect(notes).toEqual([
      ['Energy', SPLIT_NOTE],
      ['Energy (Night)', SPLIT_NOTE],
      ['Idle fee', IDLE_NOTE],
    ]);
  });

  it('say nothing of a split when the session stayed in one band', () => {
    const oneBand = charge.lines.filter((l) => l.component !== 'ENERGY' || l.label === undefined);
    expect(sessionDisplay(aView(oneBand)).lines.map((l) => l.note)).toEqual([undefined, IDLE_NOTE]);
  });

  it('are rendered with their notes in the server-side page', () => {
    const view = aView(charge.lines);
    const page = transactionPage({
      view,
      display: sessionDisplay(view),
      etag: '"e1"',
      brand: { name: 'Demo Charging' },
    });
    expect(page.split(`<span class="line-note">${SPLIT_NOTE}</span>`)).toHaveLength(3);
    expect(page).toContain(`Idle fee<span class="line-note">${IDLE_NOTE}</span>`);
  });
});
