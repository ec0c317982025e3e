import { describe, expect, it } from 'vitest';
import type { Stats } from '../api/get-stats';
import { buildKpis, change, previousPeriod } from './kpis';

function stats(p: Partial<Stats>): Stats {
  return {
    from: '2026-01-01',
    to: '2026-01-07',
    totalEvents: 0,
    totalUsers: 0,
    avgEventsPerUser: 0,
    eventsPerDay: [],
    eventsPerType: [],
    topTypes: [],
    dailyActiveUsers: [],
    ...p,
  };
}

describe('previousPeriod', () => {
  it('is the same number of days ending the day before', () => {
    expect(previousPeriod({ from: '2026-03-10', to: '2026-03-16' })).toEqual({ from: '2026-03-03', to: '2026-03-09' });
    expect(previousPeriod({ from: '2026-03-01', to: '2026-03-01' })).toEqual({ from: '2026-02-28', to: '2026-02-28' });
  });
  it('crosses month and leap-year boundaries', () => {
    expect(previousPeriod({ from: '2028-03-01', to: '2028-03-30' })).toEqual({ from: '2028-01-31', to: '2028-02-29' });
  });
});

describe('change', () => {
  it('is relative to the previous value', () => {
    expect(change(150, 100)).toBeCloseTo(0.5);
    expect(change(50, 100)).toBeCloseTo(-0.5);
  });
  it('is null with nothing to compare against', () => {
    expect(change(10, 0)).toBeNull();
    expect(change(10, undefined)).toBeNull();
  });
});

describe('buildKpis', () => {
  it('takes totals from the range and actives from the 7- and 30-day windows', () => {
    const current = stats({ totalEvents: 300, totalUsers: 30, avgEventsPerUser: 10 });
    const previous = stats({ totalEvents: 200, totalUsers: 40, avgEventsPerUser: 5 });
    const last7 = stats({
      totalUsers: 12,
      dailyActiveUsers: [
        { day: '2026-01-06', count: 3 },
        { day: '2026-01-07', count: 4 },
      ],
    });
    const last30 = stats({ totalUsers: 25 });
    const byId = Object.fromEntries(buildKpis(current, previous, last7, last30).map((k) => [k.id, k]));
    expect(byId.events).toMatchObject({ value: 300, change: 0.5 });
    expect(byId.users).toMatchObject({ value: 30, change: -0.25 });
    expect(byId.eventsPerUser).toMatchObject({ value: 10, change: 1, decimals: true });
    expect(byId.dauToday).toMatchObject({ value: 4, change: null });
    expect(byId.active7?.value).toBe(12);
    expect(byId.active30?.value).toBe(25);
  });
  it('shows zeros, not errors, while the windows load', () => {
    const k = buildKpis(stats({ totalEvents: 1 }), undefined, undefined, undefined);
    expect(k.find((x) => x.id === 'dauToday')?.value).toBe(0);
    expect(k.find((x) => x.id === 'events')?.change).toBeNull();
  });
});
