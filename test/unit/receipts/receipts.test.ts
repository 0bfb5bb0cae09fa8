import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../shared/domain/errors.js';
import { priceSession } from '../../../shared/domain/pricing.js';
import {
  buildTransactionReceipt,
  type CancellationReason,
  cancellationEmail,
  preAuthEmail,
  transactionEmail,
} from '../../../shared/web/receipts/index.js';
import { aDayNightTariff, at, ms, parking, register } from '../../fixtures/builders/pricing.js';
import {
  aCancellationInput,
  aPreAuthInput,
  aReceiptContext,
  aStoppedCharge,
  aTransactionInput,
  demoCharge,
  energyTariff,
} from '../../fixtures/receipts/samples.js';

const NBSP = '\u00a0';

/** The value cell that follows a row label in the HTML (labels and values are separate cells). */
const htmlRow = (label: string, value: string) =>
  new RegExp(`>${escapeRegExp(label)}</td><td[^>]*>${escapeRegExp(value)}</td>`);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('transaction receipt figures, per currency and tax rate', () => {
  it.each([
    {
      name: 'GBP, 20 % and 0 % lines: hold £30.00, charge £12.34 → refund £17.66',
      charge: demoCharge(),
      locale: 'en-GB',
      hold: 3000,
      captured: 1234,
      expect: {
        preAuth: '£30.00',
        captured: '£12.34',
        refund: '£17.66',
        total: '£12.34',
        shortfall: null,
        energyQuantity: '19.055 kWh × £0.455 per kWh',
        energyAmounts: 'Net £8.67 · VAT 20% £1.73 · Gross £10.40',
      },
    },
    {
      name: 'EUR at 19 % in German: hold 50,00 €, charge 9,28 € → refund 40,72 €',
      charge: aStoppedCharge(energyTariff('EUR', 39_000, 1900), 20_000, 60),
      locale: 'de-DE',
      hold: 5000,
      captured: 928,
      expect: {
        preAuth: `50,00${NBSP}€`,
        captured: `9,28${NBSP}€`,
        refund: `40,72${NBSP}€`,
        total: `9,28${NBSP}€`,
        shortfall: null,
        energyQuantity: `20,000 kWh × 0,39${NBSP}€ per kWh`,
        energyAmounts: `Net 7,80${NBSP}€ · VAT 19${NBSP}% 1,48${NBSP}€ · Gross 9,28${NBSP}€`,
      },
    },
    {
      name: 'JPY (no minor digits) at 10 %: hold ¥3,000, charge ¥990 → refund ¥2,010',
      charge: aStoppedCharge(energyTariff('JPY', 45_000, 1000), 20_000, 60),
      locale: 'en-US',
      hold: 3000,
      captured: 990,
      expect: {
        preAuth: '¥3,000',
        captured: '¥990',
        refund: '¥2,010',
        total: '¥990',
        shortfall: null,
        energyQuantity: '20.000 kWh × ¥45 per kWh',
        energyAmounts: 'Net ¥900 · VAT 10% ¥90 · Gross ¥990',
      },
    },
    {
      name: 'USD zero-rated: hold $25.00, charge $3.70 → refund $21.30',
      charge: aStoppedCharge(energyTariff('USD', 30_000, 0), 12_345, 60),
      locale: 'en-US',
      hold: 2500,
      captured: 370,
      expect: {
        preAuth: '$25.00',
        captured: '$3.70',
        refund: '$21.30',
        total: '$3.70',
        shortfall: null,
        energyQuantity: '12.345 kWh × $0.30 per kWh',
        energyAmounts: 'Net $3.70 · VAT 0% $0.00 · Gross $3.70',
      },
    },
    {
      name: 'GBP at 5 %, charge £15.75 above a £10.00 hold: captured £10.00, refund £0.00, shortfall £5.75',
      charge: aStoppedCharge(energyTariff('GBP', 50_000, 500), 30_000, 60),
      locale: 'en-GB',
      hold: 1000,
      captured: 1000,
      expect: {
        preAuth: '£10.00',
        captured: '£10.00',
        refund: '£0.00',
        total: '£15.75',
        shortfall: '£5.75',
        energyQuantity: '30.000 kWh × £0.50 per kWh',
        energyAmounts: 'Net £15.00 · VAT 5% £0.75 · Gross £15.75',
      },
    },
  ])('$name', ({ charge, locale, hold, captured, expect: want }) => {
    const email = transactionEmail(
      aTransactionInput({
        ...aReceiptContext({ locale }),
        charge,
        hold: { amountMinor: hold, currency: charge.currency.toLowerCase() },
        capturedMinor: captured,
      }),
    );
    expect(email.subject).toBe(`Your charging receipt: ${want.captured}`);
    for (const [label, value] of [
      ['Pre-authorised (held)', want.preAuth],
      ['Charged', want.captured],
      ['Refund (released to your card)', want.refund],
      ['Total charge', want.total],
    ]) {
      expect(email.text).toContain(`\n${label}: ${value}\n`);
      expect(email.html).toMatch(htmlRow(label!, value!));
    }
    expect(email.text).toContain(`  ${want.energyQuantity}\n  ${want.energyAmounts}\n`);
    expect(email.html).toContain(`${want.energyQuantity}<br>${want.energyAmounts}`);
    if (want.shortfall) {
      expect(email.text).toContain(`Above the hold, not charged: ${want.shortfall}`);
      expect(email.html).toMatch(htmlRow('Above the hold, not charged', want.shortfall));
    } else {
      expect(email.text).not.toContain('Above the hold');
      expect(email.html).not.toContain('Above the hold');
    }
  });

  it('lists every component of the demo charge, with the tax summary per rate', () => {
    const { text, html } = transactionEmail(aTransactionInput());
    expect(text).toContain(
      [
        'Energy: £10.40',
        '  19.055 kWh × £0.455 per kWh',
        '  Net £8.67 · VAT 20% £1.73 · Gross £10.40',
        'Charging time: £1.44',
        '  60 min × £1.20 per hour',
        '  Net £1.20 · VAT 20% £0.24 · Gross £1.44',
        'Session fee: £0.50',
        '  1 × £0.50 per session',
        '  Net £0.50 · VAT 0% £0.00 · Gross £0.50',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        'Net: £10.37',
        'VAT 0% on £0.50: £0.00',
        'VAT 20% on £9.87: £1.97',
        'Total VAT: £1.97',
        'Total charge: £12.34',
      ].join('\n'),
    );
    expect(text).toContain('Payment reference: pi_3QabcDEF123');
    expect(html).toMatch(htmlRow('Payment reference', 'pi_3QabcDEF123'));
    expect(html).toMatch(htmlRow('VAT 20% on £9.87', '£1.97'));
  });

  it('keeps the amounts as integers for the caller: refund = pre-auth − captured', () => {
    const receipt = buildTransactionReceipt(aTransactionInput());
    expect(receipt.amounts).toEqual({
      holdMinor: 3000,
      chargeMinor: 1234,
      capturedMinor: 1234,
      refundMinor: 1766,
      shortfallMinor: 0,
    });
  });

  it('names the minimum charge top-up and the tariff band label', () => {
    const charge = demoCharge();
    const labelled = {
      ...charge,
      lines: [
        { ...charge.lines[0]!, label: 'Night' },
        {
          component: 'MINIMUM' as const,
          elementIndex: null,
          quantity: 1,
          unit: 'session' as const,
          priceMilliMinor: null,
          taxRateBp: 2000,
          netMinor: 50,
          taxMinor: 10,
          grossMinor: 60,
        },
      ],
    };
    const { text } = transactionEmail(aTransactionInput({ charge: labelled }));
    expect(text).toContain('Energy (Night): £10.40\n  19.055 kWh × £0.455 per kWh');
    expect(text).toContain('Minimum charge top-up: £0.60\n  Net £0.50 · VAT 20% £0.10 · Gross £0.60\n');
  });

  it('says on band lines that energy is split by time at a band boundary, and that idle time is time too', () => {
    const tariff = aDayNightTariff(30_000, 10_000, [{ components: [parking(600_000)] }]);
    // 21:50 → 22:10 GMT across the 22:00 night band, then idle to 22:30.
    const start = at('2026-01-14T21:50:00Z');
    const charge = priceSession(tariff, {
      startedAtMs: ms(start),
      meterStartWh: 0,
      samples: [register(start + 1200, 6_000)],
      stoppedAtMs: ms(start + 2400),
    });
    const { text } = transactionEmail(aTransactionInput({ charge, capturedMinor: charge.totals.grossMinor }));
    const split =
      'Energy drawn between two meter readings either side of a price change is split between the bands in proportion to time.';
    expect(text).toContain(
      `Energy: £1.08\n  3.000 kWh × £0.30 per kWh\n  Net £0.90 · VAT 20% £0.18 · Gross £1.08\n  ${split}`,
    );
    expect(text).toContain(`Energy (Night)`);
    expect(text.split(split)).toHaveLength(3);
    expect(text).toContain('Idle minutes count as charging time too; this fee is on top of it.');
    // One band: nothing was split, nothing to say.
    expect(transactionEmail(aTransactionInput()).text).not.toContain(split);
  });

  it('shows start and end in the site time zone, naming the zone', () => {
    const summer = transactionEmail(aTransactionInput());
    expect(summer.text).toContain(
      'Started: 1 Jul 2026, 18:05 BST\nEnded: 1 Jul 2026, 19:05 BST\nDuration: 1 h',
    );
    expect(summer.html).toMatch(htmlRow('Started', '1 Jul 2026, 18:05 BST'));

    const winter = aStoppedCharge(energyTariff('GBP', 30_000, 2000), 5000, 75, '2026-01-15T23:30:00Z');
    const tokyo = transactionEmail(
      aTransactionInput({
        ...aReceiptContext({ site: { name: 'Shibuya', timeZone: 'Asia/Tokyo' } }),
        charge: winter,
        capturedMinor: winter.totals.grossMinor,
      }),
    );
    expect(tokyo.text).toContain('Started: 16 Jan 2026, 08:30 GMT+9\nEnded: 16 Jan 2026, 09:45 GMT+9');
    expect(tokyo.text).toContain('Duration: 1 h 15 min');
  });

  it.each([
    ['a running charge', { charge: { ...demoCharge(), stopped: false } }, /stopped/],
    ['another currency', { hold: { amountMinor: 3000, currency: 'eur' } }, /EUR|eur/],
    [
      'a capture above the hold',
      { hold: { amountMinor: 1000, currency: 'gbp' }, capturedMinor: 1234 },
      /exceeds/,
    ],
    ['a capture above the charge', { capturedMinor: 1300 }, /exceeds/],
    ['a fractional amount', { capturedMinor: 12.5 }, /integer/],
    ['a link that is not http(s)', { transactionUrl: 'javascript:alert(1)' }, /http/],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => buildTransactionReceipt(aTransactionInput(overrides))).toThrow(InvalidArgumentError);
    expect(() => buildTransactionReceipt(aTransactionInput(overrides))).toThrow(message);
  });
});

describe('pre-auth receipt', () => {
  it('says what is held and what it means, with the Transaction URL as a button', () => {
    const email = preAuthEmail(aPreAuthInput());
    expect(email.subject).toBe('Charging at The Crown, car park: £30.00 held');
    const meaning =
      'We hold £30.00; you pay only for what you use, and the rest is released when the session ends.';
    expect(email.text).toContain(`Amount held: £30.00\n${meaning}`);
    expect(email.html).toContain(meaning);
    const url = 'https://charge.example.com/t/3q2-7XbVt0Lr9mZkQ1wYcA';
    expect(email.text).toContain(`Follow and stop your session:\n${url}\nThis link works from any device`);
    expect(email.html).toMatch(
      new RegExp(`<a href="${escapeRegExp(url)}"[^>]*>Follow and stop your session</a>`),
    );
    expect(email.html).toContain('This link works from any device');
    for (const [label, value] of [
      ['Site', 'The Crown, car park'],
      ['Charger', 'CROWN-01'],
      ['Connector', '2'],
      ['Held at', '1 Jul 2026, 18:04 BST'],
    ]) {
      expect(email.text).toContain(`${label}: ${value}\n`);
      expect(email.html).toMatch(htmlRow(label!, value!));
    }
  });

  it('describes the tariff in plain words (the start page wording)', () => {
    const { text, html } = preAuthEmail(aPreAuthInput());
    const lines = [
      'Energy: £0.455 per kWh, + 20% VAT',
      'Time: £1.20 per hour of charging, billed per minute, + 20% VAT',
      'Session fee: £0.50 per session, no VAT',
    ];
    expect(text).toContain(lines.map((l) => `- ${l}`).join('\n'));
    for (const line of lines) expect(html).toContain(`>${line}</li>`);
  });

  it('formats a zero-decimal hold', () => {
    const email = preAuthEmail(
      aPreAuthInput({ hold: { amountMinor: 3000, currency: 'jpy' }, locale: 'en-US' }),
    );
    expect(email.subject).toBe('Charging at The Crown, car park: ¥3,000 held');
  });
});

describe('cancellation receipt', () => {
  it.each<[CancellationReason, number | undefined, string]>([
    ['requested_by_customer', undefined, 'You cancelled before charging started.'],
    ['abandoned', undefined, 'The car did not start charging within 5 minutes.'],
    ['abandoned', 600, 'The car did not start charging within 10 minutes.'],
    ['abandoned', 90, 'The car did not start charging within 90 seconds.'],
    ['expired', undefined, 'The hold on your card expired before the session could be charged.'],
    ['failed', undefined, 'The charger could not start charging.'],
    ['charger_offline', undefined, 'The charger was offline and could not start charging.'],
  ])('%s (%s s) reads "%s"', (reason, timeout, words) => {
    const email = cancellationEmail(
      aCancellationInput({ reason, ...(timeout === undefined ? {} : { noStartTimeoutSeconds: timeout }) }),
    );
    expect(email.subject).toBe('Charging cancelled: hold of £30.00 released');
    expect(email.text).toContain(
      `${words}\n\nHold released: £30.00\nThe hold of £30.00 on your card is released in full`,
    );
    expect(email.html).toContain(`>${words}</p>`);
    expect(email.html).toContain('The hold of £30.00 on your card is released in full');
    expect(email.text).toContain('Cancelled at: 1 Jul 2026, 18:06 BST\n');
  });
});

describe('hostile operator and site input', () => {
  const hostile = aReceiptContext({
    operator: {
      name: '<script>alert(1)</script> & "Bob\'s"',
      logoUrl: 'javascript:alert(1)',
      primaryColour: 'red;background:url(https://evil.example/x)',
      supportEmail: 'help@bob.example"><img src=x onerror=alert(1)>',
    },
    site: { name: "Bob's <b>Bar</b>\r\nBcc: victim@example.com", timeZone: 'Europe/London' },
  });

  it.each([
    ['pre-auth', preAuthEmail(aPreAuthInput(hostile))],
    ['cancellation', cancellationEmail(aCancellationInput(hostile))],
    ['transaction', transactionEmail(aTransactionInput(hostile))],
  ])('%s: escapes every value and drops unsafe links and colours', (_kind, email) => {
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).not.toContain('javascript:');
    expect(email.html).not.toContain('evil.example');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&#39;s&quot;');
    expect(email.html).toContain('Bob&#39;s &lt;b&gt;Bar&lt;/b&gt;');
    // The platform colour stands in for the unusable one.
    expect(email.html).toContain('background:#0f766e');
    // The subject is a header: one line, whatever the site name held.
    expect(email.subject).not.toMatch(/[\r\n]/);
    // The text part is not HTML: it shows the name as written.
    expect(email.text).toContain('<script>alert(1)</script> & "Bob\'s"');
  });
});

describe('branding', () => {
  it('picks readable text on the brand colour and keeps a light colour off links', () => {
    const light = preAuthEmail(
      aPreAuthInput(aReceiptContext({ operator: { name: 'Sunny', primaryColour: '#FDE047' } })),
    );
    expect(light.html).toContain('background:#fde047');
    expect(light.html).toMatch(/color:#111827;text-decoration:none;[^"]*">Follow and stop your session/);
    expect(light.html).toMatch(/<a href="https:[^"]*" style="color:#1d4ed8;">/);
    const dark = preAuthEmail(aPreAuthInput());
    expect(dark.html).toMatch(/color:#ffffff;text-decoration:none;[^"]*">Follow and stop your session/);
    expect(dark.html).toMatch(/<a href="https:[^"]*" style="color:#7c2d12;">/);
  });

  it('reads without images: the logo is decorative, the name is text', () => {
    const { html } = preAuthEmail(aPreAuthInput());
    expect(html).toContain('<img src="https://assets.example.com/crown.png" alt=""');
    expect(html).toMatch(/>The Crown<\/td>/);
    expect(html).not.toMatch(/<link|<script|<style/);
  });

  it('times on a pre-auth receipt follow the site zone in winter too', () => {
    const email = preAuthEmail(aPreAuthInput({ heldAt: at('2026-01-10T09:00:00Z') }));
    expect(email.text).toContain('Held at: 10 Jan 2026, 09:00 GMT\n');
  });
});
