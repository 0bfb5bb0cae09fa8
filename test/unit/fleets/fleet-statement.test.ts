import fc from 'fast-check';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { statementCsv, statementPdf } from '../../../shared/app/fleets/render-statement.js';
import {
  buildFleetStatement,
  type FleetSessionInput,
  monthAt,
  monthBounds,
  nextMonth,
  previousMonth,
  statementLine,
  summariseStatement,
} from '../../../shared/domain/fleet-statement.js';
import { lineAmounts } from '../../../shared/domain/money.js';
import type { ChargeLine } from '../../../shared/domain/pricing.js';

const NOV_1_LONDON = Date.parse('2026-11-01T00:00:00Z') / 1000;

const line = (component: ChargeLine['component'], netMinor: number, taxRateBp: number): ChargeLine => ({
  component,
  elementIndex: 0,
  quantity: 1,
  unit: 'session',
  priceMilliMinor: null,
  taxRateBp,
  ...lineAmounts(BigInt(netMinor), 1n, taxRateBp),
});

const aSession = (over: Partial<FleetSessionInput> = {}): FleetSessionInput => ({
  chargerId: 'CP-1',
  transactionId: 1,
  siteId: 'depot',
  idTag: 'FLEET-1',
  startedAt: NOV_1_LONDON + 3600,
  energyMilliWh: 12_345_000,
  currency: 'GBP',
  lines: [line('ENERGY', 333, 2000), line('FLAT', 100, 500)],
  ...over,
});

const build = (sessions: FleetSessionInput[], timeZone = 'Europe/London') =>
  buildFleetStatement({
    operatorId: 'op',
    fleetId: 'vans',
    month: '2026-11',
    timeZone,
    currency: 'GBP',
    sessions,
  });

describe('statement months', () => {
  it('steps months across the year end', () => {
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(previousMonth('2027-01')).toBe('2026-12');
    expect(previousMonth('2026-11')).toBe('2026-10');
  });

  it("bounds a month by the operator's local midnights", () => {
    // New York is UTC-4 on 1 Oct (EDT) and UTC-5 on 1 Nov (EST).
    expect(monthBounds('America/New_York', '2026-10')).toEqual({
      fromSeconds: Date.parse('2026-10-01T04:00:00Z') / 1000,
      toSeconds: Date.parse('2026-11-01T04:00:00Z') / 1000,
    });
    expect(monthAt('Asia/Tokyo', Date.parse('2026-11-30T15:30:00Z') / 1000)).toBe('2026-12');
    expect(() => monthBounds('UTC', '2026-13')).toThrow(RangeError);
  });
});

describe('buildFleetStatement', () => {
  it('keeps every component with its rate and sums lines, rates and totals', () => {
    const s = build([aSession(), aSession({ transactionId: 2, lines: [line('ENERGY', 1000, 2000)] })]);
    expect(s.lines.map((l) => l.total)).toEqual([
      { netMinor: 433, taxMinor: 72, grossMinor: 505 },
      { netMinor: 1000, taxMinor: 200, grossMinor: 1200 },
    ]);
    expect(s.lines[0]?.components.map((c) => [c.component, c.taxRateBp, c.grossMinor])).toEqual([
      ['ENERGY', 2000, 400],
      ['FLAT', 500, 105],
    ]);
    expect(s.taxes).toEqual([
      { taxRateBp: 500, netMinor: 100, taxMinor: 5, grossMinor: 105 },
      { taxRateBp: 2000, netMinor: 1333, taxMinor: 267, grossMinor: 1600 },
    ]);
    expect(s.totals).toEqual({ netMinor: 1433, taxMinor: 272, grossMinor: 1705 });
    expect(s.lines[0]).toMatchObject({ date: '2026-11-01', siteId: 'depot', idTag: 'FLEET-1' });
  });

  it('leaves out sessions of a later month, another currency or that pricing could not price, and says so', () => {
    const s = build([
      aSession({ transactionId: 1, startedAt: NOV_1_LONDON + 30 * 86_400 }),
      aSession({ transactionId: 2, currency: 'EUR' }),
      aSession({ transactionId: 3, lines: [], currency: undefined }),
      aSession({ transactionId: 4, lines: [], currency: undefined, unpriceable: true }),
    ]);
    expect(s.excluded).toEqual([
      { chargerId: 'CP-1', transactionId: 2, reason: 'other-currency' },
      { chargerId: 'CP-1', transactionId: 4, reason: 'unpriceable' },
      { chargerId: 'CP-1', transactionId: 1, reason: 'outside-month' },
    ]);
    // A session without a charge is on the statement, at zero.
    expect(s.lines.map((l) => [l.transactionId, l.total.grossMinor])).toEqual([[3, 0]]);
  });

  it('bills a session of an earlier month as a late line dated by its start, and counts it', () => {
    const onOct31 = NOV_1_LONDON - 1800;
    const scope = {
      operatorId: 'op',
      fleetId: 'vans',
      month: '2026-11',
      timeZone: 'Europe/London',
      currency: 'GBP',
    };
    const late = statementLine(scope, aSession({ transactionId: 1, startedAt: onOct31 }));
    const own = statementLine(scope, aSession({ transactionId: 2 }));
    if (!('line' in late) || !('line' in own)) throw new Error('both are lines');
    expect(late.line).toMatchObject({ date: '2026-10-31', late: true, total: { grossMinor: 505 } });
    expect(own.line.late).toBeUndefined();
    const summary = summariseStatement(scope, [late.line, own.line], []);
    expect(summary).toMatchObject({ sessionCount: 2, lateCount: 1, totals: { grossMinor: 1010 } });
    const csv = statementCsv(
      { ...summary, lines: [late.line, own.line] },
      { operatorName: 'D', fleetName: 'V' },
    );
    const lateRows = csv
      .split('\r\n')
      .filter((r) => r.endsWith('late: started 2026-10-31, final after the 2026-10 statement'));
    expect(lateRows.map((r) => r.split(',')[0])).toEqual(['2026-10-31', '2026-10-31']);
  });

  it('dates a session by the local day it started', () => {
    const lateOn31stUtc = Date.parse('2026-11-30T23:30:00Z') / 1000;
    const s = buildFleetStatement({
      operatorId: 'op',
      fleetId: 'vans',
      month: '2026-12',
      timeZone: 'Europe/Berlin',
      currency: 'GBP',
      sessions: [aSession({ startedAt: lateOn31stUtc })],
    });
    expect(s.lines.map((l) => l.date)).toEqual(['2026-12-01']);
  });

  it('property: the lines sum to the totals, and the rates to the totals, to the penny', () => {
    const aLine = fc
      .record({
        component: fc.constantFrom('ENERGY', 'TIME', 'PARKING', 'FLAT', 'MINIMUM' as const),
        net: fc.integer({ min: 0, max: 5_000_000 }),
        rate: fc.constantFrom(0, 500, 550, 2000, 2100),
      })
      .map((l) => line(l.component, l.net, l.rate));
    const aFleetSession = fc.record({
      transactionId: fc.integer({ min: 1, max: 1_000_000 }),
      startedAt: fc.integer({ min: NOV_1_LONDON - 86_400, max: NOV_1_LONDON + 31 * 86_400 }),
      energyMilliWh: fc.integer({ min: 0, max: 200_000_000 }),
      lines: fc.array(aLine, { maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(aFleetSession, { maxLength: 40 }), (sessions) => {
        const s = build(sessions.map((x) => aSession(x)));
        const sum = (xs: { netMinor: number; taxMinor: number; grossMinor: number }[]) =>
          xs.reduce(
            (a, b) => ({
              netMinor: a.netMinor + b.netMinor,
              taxMinor: a.taxMinor + b.taxMinor,
              grossMinor: a.grossMinor + b.grossMinor,
            }),
            { netMinor: 0, taxMinor: 0, grossMinor: 0 },
          );
        expect(sum(s.lines.map((l) => l.total))).toEqual(s.totals);
        expect(sum(s.taxes)).toEqual(s.totals);
        expect(sum(s.lines.flatMap((l) => l.components))).toEqual(s.totals);
        for (const l of s.lines) expect(sum(l.components)).toEqual(l.total);
        expect(s.totals.netMinor + s.totals.taxMinor).toBe(s.totals.grossMinor);
        expect(s.lines.length + s.excluded.length).toBe(sessions.length);
        for (const l of s.lines) {
          expect(l.late === true).toBe(l.startedAt < s.fromSeconds);
          expect(l.startedAt).toBeLessThan(s.toSeconds);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('statement renderings', () => {
  const parties = { operatorName: 'Depot Power', fleetName: 'Vans, "North"' };

  it('writes RFC 4180 CSV whose gross column sums to the total', () => {
    const s = build([aSession({ idTag: '=HYPERLINK("x")', siteId: 'Depot, North' })]);
    const csv = statementCsv(s, parties);
    const rows = csv.split('\r\n');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(rows[0]).toBe(
      'date,started_at,charger,site,card,transaction,energy_kwh,component,tax_rate_percent,net,tax,gross,currency,note',
    );
    expect(rows[1]).toBe(
      `2026-11-01,2026-11-01T01:00:00.000Z,CP-1,"Depot, North","'=HYPERLINK(""x"")",1,12.345000,Energy,20.00,3.33,0.67,4.00,GBP,`,
    );
    expect(rows.at(-2)).toBe(',,,,,,12.345000,Total,,4.33,0.72,5.05,GBP,');
  });

  it('writes a PDF whose text carries the totals', async () => {
    const s = build([aSession(), aSession({ transactionId: 2 })]);
    const pdf = await statementPdf(s, parties);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('Vans, "North": charging statement for 2026-11');
    expect(text).toContain('£10.10');
    expect(text).toContain('Session total');
  });
});
