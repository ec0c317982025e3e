// KPI arithmetic for the overview: the comparison period and relative changes.
import { addDays, daysBetween } from '@/shared/lib/dates';
import type { Stats } from '../api/get-stats';

export interface Range {
  from: string;
  to: string;
}

/** The period of the same length that ends the day before `range` starts. */
export function previousPeriod(range: Range): Range {
  const len = daysBetween(range.from, range.to);
  const to = addDays(range.from, -1);
  return { from: addDays(to, -(len - 1)), to };
}

/** Relative change from `previous` to `current`; null when there is nothing to compare. */
export function change(current: number, previous: number | undefined): number | null {
  if (previous === undefined || previous === 0) return null;
  return (current - previous) / previous;
}

export interface Kpi {
  id: 'events' | 'users' | 'eventsPerUser' | 'dauToday' | 'active7' | 'active30';
  value: number;
  /** Relative change against the previous period, when it applies. */
  change: number | null;
  decimals: boolean;
}

/**
 * Cards from the range's stats, the previous period's, and the 7- and 30-day windows ending
 * today (their distinct users are the 7- and 30-day actives; the last day of the 7-day
 * window is today's DAU).
 */
export function buildKpis(
  current: Stats,
  previous: Stats | undefined,
  last7: Stats | undefined,
  last30: Stats | undefined,
): Kpi[] {
  const today = last7?.dailyActiveUsers[last7.dailyActiveUsers.length - 1]?.count ?? 0;
  return [
    { id: 'events', value: current.totalEvents, change: change(current.totalEvents, previous?.totalEvents), decimals: false },
    { id: 'users', value: current.totalUsers, change: change(current.totalUsers, previous?.totalUsers), decimals: false },
    {
      id: 'eventsPerUser',
      value: current.avgEventsPerUser,
      change: change(current.avgEventsPerUser, previous?.avgEventsPerUser),
      decimals: true,
    },
    { id: 'dauToday', value: today, change: null, decimals: false },
    { id: 'active7', value: last7?.totalUsers ?? 0, change: null, decimals: false },
    { id: 'active30', value: last30?.totalUsers ?? 0, change: null, decimals: false },
  ];
}
