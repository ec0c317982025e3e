import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { useSegmentParam } from '@/shared/segments/segments';
import { formatFilter, type Range, type ReportFilter } from '../lib/params';
import type { Metric } from '../lib/metrics';
import { REFRESH_MS } from './refresh';

export type Point = Record<string, unknown> & { t: string };
export type Timeseries = Omit<Schemas['TimeseriesReport'], 'points' | 'previous' | 'unconverted'> & {
  points: Point[];
  previous?: Point[] | null;
  unconverted: Record<string, number>;
};

export interface TimeseriesQuery {
  metrics: readonly Metric[];
  interval: 'hour' | 'day' | 'week' | 'month';
  range: Range | null;
  filters: ReportFilter[];
  /** A saved segment's id: only its members' visits. */
  segment?: string | null;
  compare?: boolean;
}

export function getTimeseries(q: TimeseriesQuery, signal?: AbortSignal): Promise<Timeseries> {
  return apiFetch<Timeseries>('/v1/reports/timeseries', {
    query: {
      metrics: q.metrics.join(','),
      interval: q.interval,
      from: q.range?.from,
      to: q.range?.to,
      filter: q.filters.map(formatFilter),
      segment: q.segment,
      compare: q.compare ? 'previous' : undefined,
    },
    signal,
  });
}

export function timeseriesQueryOptions(q: TimeseriesQuery) {
  return queryOptions({
    queryKey: ['reports', 'timeseries', q.metrics.join(','), q.interval, q.range?.from, q.range?.to, q.filters.map(formatFilter), q.segment ?? null, !!q.compare],
    queryFn: ({ signal }) => getTimeseries(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

/** The report of `q`, narrowed to the page's segment (`?segment=`) unless `q` names one. */
export function useTimeseries(q: TimeseriesQuery, enabled = true) {
  const [segment] = useSegmentParam();
  return useQuery({ ...timeseriesQueryOptions({ segment, ...q }), enabled });
}
