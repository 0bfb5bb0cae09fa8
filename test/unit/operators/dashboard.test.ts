/**
 * The dashboard summary and the revenue summary over in-memory read models: what they count, in
 * the operator's time zone, how they page, and how few reads they make.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/adapters/memory/ocpp-store.js';
import {
  type RevenueRequest,
  revenueRangeProblem,
  revenueSummary,
} from '../../../shared/app/dashboard/revenue.js';
import { dashboardSummary } from '../../../shared/app/dashboard/summary.js';
import type { Operator } from '../../../shared/domain/entities.js';
import { localDateAt, localDayStartSeconds, nextLocalDate } from '../../../shared/domain/local-day.js';
import type { ChargerView, OperatorViews, TransactionView } from '../../../shared/ports/operator-views.js';
import { InvalidCursorError } from '../../../shared/ports/paging.js';
import { aCharger, anOperator } from '../../fixtures/ocpp/builders.js';

const OP = 'op-dash';

/** Read models over arrays; counts the reads the use cases make. */
function fakeViews(operator: Operator, chargers: ChargerView[], transactions: TransactionView[]) {
  const reads = { chargers: 0, transactions: 0, ranges: [] as [string, string][] };
  const views: Pick<OperatorViews, 'operator' | 'allChargers' | 'transactionsStartedBetween'> = {
    operator: async (id) => (id === operator.operatorId ? operator : undefined),
    allChargers: async () => {
      reads.chargers++;
      return { views: chargers, complete: true, queries: 1 };
    },
    transactionsStartedBetween: async (_op, fromIso, toIso) => {
      reads.transactions++;
      reads.ranges.push([fromIso, toIso]);
      const items = transactions.filter((t) => String(t.startedAt) >= fromIso && String(t.startedAt) < toIso);
      return { items, complete: true, queries: 1 };
    },
  };
  return { views, reads };
}

function view(chargerId: string, online: boolean, statuses: string[]): ChargerView {
  return {
    charger: aCharger({ chargerId, operatorId: OP }),
    connectors: statuses.map((status, i) => ({ connectorId: i, status })),
    ...(online
      ? { connection: { connectionId: `c-${chargerId}`, connectedAt: '2026-11-30T08:00:00.000Z' } }
      : {}),
  };
}

let txn = 0;
function tx(startedAt: string, over: Record<string, unknown> = {}): TransactionView {
  txn++;
  return {
    chargerId: 'CP-1',
    transactionId: txn,
    operatorId: OP,
    startedAt,
    status: 'final',
    energyMilliWh: 10_000_000,
    siteId: 'site-a',
    charge: { currency: 'gbp', totals: { netMinor: 300, taxMinor: 60, grossMinor: 360 } },
    ...over,
  };
}

describe('local days', () => {
  it.each([
    ['UTC', '2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['Europe/London', '2026-07-01', '2026-06-30T23:00:00.000Z'],
    ['Europe/London', '2026-03-29', '2026-03-29T00:00:00.000Z'], // the day clocks go forward at 01:00
    ['Europe/London', '2026-03-30', '2026-03-29T23:00:00.000Z'],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z'], // clocks go back at 02:00 local
    ['America/New_York', '2026-11-02', '2026-11-02T05:00:00.000Z'],
    ['Asia/Kolkata', '2026-01-15', '2026-01-14T18:30:00.000Z'],
  ])('in %s, %s starts at %s', (zone, date, startIso) => {
    expect(new Date(localDayStartSeconds(zone, date) * 1000).toISOString()).toBe(startIso);
    expect(localDateAt(zone, Date.parse(startIso) / 1000)).toBe(date);
    expect(localDateAt(zone, Date.parse(startIso) / 1000 - 1)).not.toBe(date);
  });

  it('steps over month and year ends', () => {
    expect(nextLocalDate('2026-12-31')).toBe('2027-01-01');
    expect(nextLocalDate('2028-02-28')).toBe('2028-02-29');
  });
});

describe('dashboard summary', () => {
  it("counts chargers and connectors from one read of the list, and today's sessions in the operator's zone", async () => {
    // 00:30 in London on 1 July is 23:30 UTC on 30 June: "today" is 1 July there.
    const clock = new ManualClock(Date.parse('2026-06-30T23:30:00.000Z'));
    const operator = anOperator({ operatorId: OP, timeZone: 'Europe/London', currency: 'GBP' });
    const chargers = [
      view('CP-1', true, ['Available', 'Charging', 'Available']),
      view('CP-2', true, ['Available', 'SuspendedEV']),
      view('CP-3', false, ['Unavailable', 'Faulted']),
    ];
    const transactions = [
      tx('2026-06-30T22:59:59.999Z'), // 30 June in London: yesterday
      tx('2026-06-30T23:00:00.000Z'),
      tx('2026-06-30T23:10:00.000Z', {
        status: 'active',
        charge: { currency: 'GBP', totals: { grossMinor: 99 } },
      }),
      tx('2026-06-30T23:20:00.000Z', { charge: { currency: 'EUR', totals: { grossMinor: 5000 } } }),
    ];
    const { views, reads } = fakeViews(operator, chargers, transactions);
    const summary = await dashboardSummary({ views, clock }, OP);
    expect(summary).toEqual({
      timeZone: 'Europe/London',
      date: '2026-07-01',
      asOf: '2026-06-30T23:30:00.000Z',
      chargers: { total: 3, online: 2, offline: 1 },
      connectorsByStatus: [
        { status: 'Available', count: 1 },
        { status: 'Charging', count: 1 },
        { status: 'Faulted', count: 1 },
        { status: 'SuspendedEV', count: 1 },
      ],
      liveSessions: 2,
      today: {
        sessionCount: 3,
        energyMilliWh: 30_000_000,
        revenueMinor: 360,
        provisionalRevenueMinor: 99,
        currency: 'GBP',
      },
      flags: [],
    });
    expect(reads).toMatchObject({
      chargers: 1,
      transactions: 1,
      ranges: [['2026-06-30T23:00:00.000Z', '2026-07-01T23:00:00.000Z']],
    });
  });

  it('says when a read was cut short', async () => {
    const operator = anOperator({ operatorId: OP });
    const { views } = fakeViews(operator, [], []);
    const cut = { ...views, allChargers: async () => ({ views: [], complete: false, queries: 40 }) };
    const summary = await dashboardSummary({ views: cut, clock: new ManualClock() }, OP);
    expect(summary?.flags).toEqual(['chargers-truncated']);
  });
});

describe('revenue summary', () => {
  const operator = anOperator({ operatorId: OP, timeZone: 'Europe/London', currency: 'GBP' });
  const transactions = [
    tx('2026-07-01T08:00:00.000Z', { chargerId: 'CP-2', siteId: 'site-b' }),
    tx('2026-07-01T09:00:00.000Z'),
    tx('2026-07-01T22:59:00.000Z', { chargerId: 'CP-3', siteId: undefined }), // still 1 July in London
    tx('2026-07-01T23:00:00.000Z'), // 2 July in London
    tx('2026-07-03T10:00:00.000Z', { status: 'stopped' }), // not final: not counted
    tx('2026-07-04T10:00:00.000Z', {
      charge: { currency: 'GBP', totals: { netMinor: 1001, taxMinor: 200, grossMinor: 1201 } },
      energyMilliWh: 1,
    }),
  ];
  const request = (over: Partial<RevenueRequest>): RevenueRequest => ({
    from: '2026-07-01',
    to: '2026-07-04',
    by: 'day',
    limit: 25,
    ...over,
  });

  it('sums final charges by local day, every day of the range a row, in money of the currency', async () => {
    const { views } = fakeViews(operator, [], transactions);
    const page = await revenueSummary({ views }, OP, request({}));
    expect(page).toEqual({
      timeZone: 'Europe/London',
      rows: [
        {
          key: '2026-07-01',
          currency: 'GBP',
          sessionCount: 3,
          energyMilliWh: 30_000_000,
          netMinor: 900,
          taxMinor: 180,
          grossMinor: 1080,
        },
        {
          key: '2026-07-02',
          currency: 'GBP',
          sessionCount: 1,
          energyMilliWh: 10_000_000,
          netMinor: 300,
          taxMinor: 60,
          grossMinor: 360,
        },
        {
          key: '2026-07-03',
          currency: 'GBP',
          sessionCount: 0,
          energyMilliWh: 0,
          netMinor: 0,
          taxMinor: 0,
          grossMinor: 0,
        },
        {
          key: '2026-07-04',
          currency: 'GBP',
          sessionCount: 1,
          energyMilliWh: 1,
          netMinor: 1001,
          taxMinor: 200,
          grossMinor: 1201,
        },
      ],
    });
  });

  it('pages by day reading only the days of each page', async () => {
    const { views, reads } = fakeViews(operator, [], transactions);
    const first = await revenueSummary({ views }, OP, request({ limit: 3 }));
    if (first === undefined || first === 'range-too-large') throw new Error('expected a page');
    expect(first.rows.map((r) => r.key)).toEqual(['2026-07-01', '2026-07-02', '2026-07-03']);
    const second = await revenueSummary({ views }, OP, request({ limit: 3, cursor: first.next as string }));
    if (second === undefined || second === 'range-too-large') throw new Error('expected a page');
    expect(second.rows.map((r) => [r.key, r.grossMinor])).toEqual([['2026-07-04', 1201]]);
    expect(second.next).toBeUndefined();
    expect(reads.ranges).toEqual([
      ['2026-06-30T23:00:00.000Z', '2026-07-03T23:00:00.000Z'],
      ['2026-07-03T23:00:00.000Z', '2026-07-04T23:00:00.000Z'],
    ]);
  });

  it('groups by site (sessions without one under the empty key) and by charger, paged in key order', async () => {
    const { views } = fakeViews(operator, [], transactions);
    const bySite = await revenueSummary({ views }, OP, request({ by: 'site' }));
    if (bySite === undefined || bySite === 'range-too-large') throw new Error('expected a page');
    expect(bySite.rows.map((r) => [r.key, r.sessionCount, r.grossMinor])).toEqual([
      ['', 1, 360],
      ['site-a', 3, 1921],
      ['site-b', 1, 360],
    ]);
    const first = await revenueSummary({ views }, OP, request({ by: 'charger', limit: 2 }));
    if (first === undefined || first === 'range-too-large') throw new Error('expected a page');
    expect(first.rows.map((r) => [r.key, r.sessionCount])).toEqual([
      ['CP-1', 3],
      ['CP-2', 1],
    ]);
    const rest = await revenueSummary(
      { views },
      OP,
      request({ by: 'charger', limit: 2, cursor: first.next as string }),
    );
    if (rest === undefined || rest === 'range-too-large') throw new Error('expected a page');
    expect(rest.rows.map((r) => r.key)).toEqual(['CP-3']);
    expect(rest.next).toBeUndefined();
  });

  it('refuses a cursor of another summary, and ranges out of order or too long', async () => {
    const { views } = fakeViews(operator, [], transactions);
    const first = await revenueSummary({ views }, OP, request({ by: 'charger', limit: 1 }));
    if (first === undefined || first === 'range-too-large') throw new Error('expected a page');
    await expect(
      revenueSummary({ views }, OP, request({ by: 'site', limit: 1, cursor: first.next as string })),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(revenueSummary({ views }, OP, request({ cursor: 'not-a-cursor' }))).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    expect(revenueRangeProblem('2026-07-02', '2026-07-01')).toBe('to must not be before from');
    expect(revenueRangeProblem('2026-01-01', '2027-01-02')).toBe('at most 366 days in one summary');
    expect(revenueRangeProblem('2026-02-30', '2026-03-01')).toBe('from and to must be dates, YYYY-MM-DD');
    expect(revenueRangeProblem('2026-01-01', '2027-01-01')).toBeUndefined();
  });

  it('says the range is too large when the sessions do not fit the read', async () => {
    const { views } = fakeViews(operator, [], transactions);
    const cut = {
      ...views,
      transactionsStartedBetween: async () => ({ items: [], complete: false, queries: 400 }),
    };
    expect(await revenueSummary({ views: cut }, OP, request({ by: 'site' }))).toBe('range-too-large');
  });
});
