import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { useSegmentParam } from '@/shared/segments/segments';
import { REFRESH_MS } from '@/shared/reports/api/refresh';
import { formatFilter, type Range, type ReportFilter } from '@/shared/reports/lib/params';

export type RetentionReport = Omit<Schemas['RetentionReport'], 'unconverted'> & {
  unconverted: Record<string, number>;
};
export type RetentionCohort = Schemas['RetentionCohort'];
export type RetentionInterval = 'day' | 'week' | 'month';

export interface RetentionQuery {
  interval: RetentionInterval;
  periods: number;
  /** An event type, or `any` (cohorts by first seen). */
  cohortEvent: string;
  /** An event type, or `any` (coming back on any event). */
  returning: string;
  range: Range | null;
  filters: ReportFilter[];
  /** A saved segment's id: only its members count. */
  segment?: string | null;
}

export function getRetention(q: RetentionQuery, signal?: AbortSignal): Promise<RetentionReport> {
  return apiFetch<RetentionReport>('/v1/reports/retention', {
    query: {
      interval: q.interval,
      periods: String(q.periods),
      cohortEvent: q.cohortEvent,
      returning: q.returning,
      from: q.range?.from,
      to: q.range?.to,
      filter: q.filters.map(formatFilter),
      segment: q.segment,
    },
    signal,
  });
}

export function retentionQueryOptions(q: RetentionQuery) {
  return queryOptions({
    queryKey: ['reports', 'retention', q.interval, q.periods, q.cohortEvent, q.returning, q.range?.from, q.range?.to, q.filters.map(formatFilter), q.segment ?? null],
    queryFn: ({ signal }) => getRetention(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

export function useRetention(q: RetentionQuery) {
  const [segment] = useSegmentParam();
  return useQuery(retentionQueryOptions({ segment, ...q }));
}
