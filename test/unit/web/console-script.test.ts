/**
 * The console's browser script, outside a browser: every section parses, and the helpers the
 * tariff form leans on hold to the platform's own rules. The sample receipt the tariff page prices
 * by itself (when the platform has no preview route) must match shared/domain/pricing.ts line for
 * line, or the preview would show an operator a price the drivers are never charged.
 */
import { describe, expect, it } from 'vitest';
import { priceSession } from '../../../shared/domain/pricing.js';
import { parseTariff, type TariffInput } from '../../../shared/domain/tariff.js';
import type { SessionPaymentOut } from '../../../shared/http/openapi/resources.js';
import { CONSOLE_SCRIPT, CONSOLE_SECTIONS } from '../../../shared/web/console/index.js';

interface Priced {
  lines: { component: string; quantity: number; netMinor: number; taxMinor: number; grossMinor: number }[];
  totals: { netMinor: number; taxMinor: number; grossMinor: number };
}
interface ConsoleHelpers {
  parseMillis(text: string): number | undefined | null;
  formatMillis(milli: number): string;
  parseBp(text: string): number | null;
  money(minor: number, currency: string): string;
  millis(milli: number, currency: string): string;
  kwh(milliWh: number): string;
  priceSample(
    body: Omit<TariffInput, 'id' | 'operatorId'>,
    sample: { milliWh: number; minutes: number; parkedMinutes: number },
  ): Priced;
  paymentCard(payment: SessionPaymentOut): string;
  paymentCell(payment: SessionPaymentOut): string;
}

/** The framework and the pricing sections run against a stub DOM: only their helpers are used. */
function consoleHelpers(): ConsoleHelpers {
  const element = () => ({ addEventListener() {}, hidden: false, textContent: '', innerHTML: '' });
  const document = { getElementById: element, addEventListener() {}, querySelectorAll: () => [] };
  const window = { addEventListener() {} };
  const source = [CONSOLE_SECTIONS.core, CONSOLE_SECTIONS.sessions, CONSOLE_SECTIONS.tariffs].join('\n');
  return new Function('document', 'window', `${source}\nreturn C;`)(document, window) as ConsoleHelpers;
}

describe('the console script', () => {
  it('parses as a whole and section by section', () => {
    expect(() => new Function(CONSOLE_SCRIPT)).not.toThrow();
    for (const [name, section] of Object.entries(CONSOLE_SECTIONS)) {
      expect(() => new Function(section), name).not.toThrow();
    }
  });

  it('keeps no credential in the browser and sends the CSRF token on every state-changing call', () => {
    expect(CONSOLE_SCRIPT).not.toMatch(/localStorage|sessionStorage|document\.cookie/);
    // The header's name as code sends it in lower case; the API keys page names it in its help text.
    expect(CONSOLE_SCRIPT).not.toMatch(/\bauthorization\b/);
    // One place calls fetch for the API, and it adds the token to anything but GET.
    expect(CONSOLE_SCRIPT.match(/fetch\(/g)).toHaveLength(1);
    expect(CONSOLE_SECTIONS.core).toContain(
      "if(method!=='GET'){headers['content-type']='application/json';if(C.state.csrf)headers['x-csrf-token']=C.state.csrf}",
    );
  });
});

describe('the tariff form’s numbers', () => {
  const C = consoleHelpers();

  it.each([
    ['0.455', 45_500],
    ['0.30', 30_000],
    ['1', 100_000],
    ['12.34567', 1_234_567],
    ['', undefined],
    ['0.123456', null],
    ['-1', null],
    ['1e3', null],
  ])('reads the price %j as %j thousandths of a minor unit', (text, milli) => {
    expect(C.parseMillis(text)).toBe(milli);
  });

  it.each([
    [45_500, '0.455'],
    [30_000, '0.30'],
    [100_000, '1.00'],
    [1_234_567, '12.34567'],
  ])('writes %j back as %j', (milli, text) => {
    expect(C.formatMillis(milli)).toBe(text);
    expect(C.parseMillis(text)).toBe(milli);
  });

  it.each([
    ['20', 2000],
    ['5.5', 550],
    ['0', 0],
    ['100', 10_000],
    ['100.01', null],
    ['twenty', null],
  ])('reads the VAT rate %j %% as %j basis points', (text, bp) => {
    expect(C.parseBp(text)).toBe(bp);
  });

  it('formats money and prices without floating point', () => {
    expect(C.money(231, 'GBP')).toBe('£2.31');
    expect(C.money(-5, 'EUR')).toBe('-€0.05');
    expect(C.money(1234, 'SEK')).toBe('12.34 SEK');
    expect(C.millis(45_500, 'GBP')).toBe('£0.455');
    expect(C.millis(120_000, 'GBP')).toBe('£1.20');
    expect(C.kwh(2_000_000)).toBe('2.000 kWh');
  });
});

describe('the sample receipt priced in the page', () => {
  const C = consoleHelpers();
  const body = (over: Partial<TariffInput> = {}): Omit<TariffInput, 'id' | 'operatorId'> => ({
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
    ],
    ...over,
  });

  /** The same sample through the platform's pricing: energy evenly to the end of charging, then idle. */
  function platformCharge(
    tariff: Omit<TariffInput, 'id' | 'operatorId'>,
    sample: { milliWh: number; minutes: number; parkedMinutes: number },
  ) {
    const t0 = Date.UTC(2026, 2, 10, 12, 0, 0);
    const endOfCharging = t0 + sample.minutes * 60_000;
    return priceSession(parseTariff({ ...tariff, id: 't', operatorId: 'op' }), {
      startedAtMs: t0,
      meterStartWh: 0,
      samples: [
        { atMs: t0, kind: 'register', milliWh: 0 },
        { atMs: endOfCharging, kind: 'register', milliWh: sample.milliWh },
      ] as never,
      stoppedAtMs: endOfCharging + sample.parkedMinutes * 60_000,
    });
  }

  it.each([
    ['20 kWh in 90 minutes', body(), { milliWh: 20_000_000, minutes: 90, parkedMinutes: 0 }],
    [
      'a half-penny line (rounded half up)',
      body({ elements: [{ components: [{ type: 'ENERGY', priceMilliMinor: 1_000, taxRateBp: 2000 }] }] }),
      { milliWh: 500_000, minutes: 5, parkedMinutes: 0 },
    ],
    [
      'parked past the grace period',
      body({ parkingGraceSeconds: 1800 }),
      { milliWh: 7_250_000, minutes: 41, parkedMinutes: 47 },
    ],
    [
      'parked within the grace period',
      body({ parkingGraceSeconds: 1800 }),
      { milliWh: 3_000_000, minutes: 20, parkedMinutes: 30 },
    ],
    [
      'topped up to the minimum',
      body({ minimumCharge: { grossMinor: 500, taxRateBp: 2000 } }),
      { milliWh: 1_000_000, minutes: 3, parkedMinutes: 0 },
    ],
  ])('%s: the same lines and totals as the platform', (_name, tariff, sample) => {
    const ours = C.priceSample(tariff, sample);
    const theirs = platformCharge(tariff, sample);
    const shape = (l: Priced['lines'][number]) => ({
      component: l.component,
      quantity: l.quantity,
      netMinor: l.netMinor,
      taxMinor: l.taxMinor,
      grossMinor: l.grossMinor,
    });
    expect(ours.lines.map(shape)).toEqual(theirs.lines.map(shape));
    expect(ours.totals).toMatchObject({
      netMinor: theirs.totals.netMinor,
      taxMinor: theirs.totals.taxMinor,
      grossMinor: theirs.totals.grossMinor,
    });
  });
});

describe('a session’s payment in the console', () => {
  const C = consoleHelpers();
  const gbp = (amountMinor: number) => ({ amountMinor, currency: 'GBP' });
  const card: SessionPaymentOut = {
    method: 'card',
    state: 'partly-refunded',
    sessionId: 'PAY-1',
    paymentIntentId: 'pi_123',
    hold: gbp(3000),
    captured: gbp(1234),
    released: gbp(1766),
    refunded: gbp(334),
    refundable: gbp(900),
    platformFee: gbp(62),
  };
  /** The card's label → value pairs, as a person reads them. */
  const pairs = (html: string) =>
    [...html.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/g)].map((m) => [
      m[1],
      (m[2] ?? '').replace(/<[^>]+>/g, ''),
    ]);

  it('shows every figure of a card payment, with the Stripe and paid-session ids', () => {
    expect(pairs(C.paymentCard(card))).toEqual([
      ['Paid by', 'Card'],
      ['Status', 'partly refunded'],
      ['Card hold', '£30.00'],
      ['Captured', '£12.34'],
      ['Released to the card', '£17.66'],
      ['Refunded', '£3.34'],
      ['Left to refund', '£9.00'],
      ['Platform fee', '£0.62'],
      ['Stripe payment', 'pi_123'],
      ['Paid session', 'PAY-1'],
    ]);
    expect(C.paymentCell(card).replace(/<[^>]+>/g, '')).toBe('Card £12.34 partly refunded');
  });

  it('names the fleet a billed session is billed to, and escapes it', () => {
    const billed: SessionPaymentOut = {
      method: 'fleet-bill',
      billedTo: { kind: 'fleet', id: 'acme', name: 'Acme <Vans>' },
    };
    expect(C.paymentCard(billed)).toContain('href="#/fleets/acme">Acme &lt;Vans&gt;</a>');
    expect(C.paymentCell(billed)).toBe('Billed to fleet Acme &lt;Vans&gt;');
    expect(C.paymentCell({ method: 'none' })).toContain('Free');
  });
});
