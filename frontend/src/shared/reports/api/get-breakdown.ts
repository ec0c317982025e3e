import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { useSegmentParam } from '@/shared/segments/segments';
import { formatFilter, type Dimension, type Range, type ReportFilter } from '../lib/params';
import type { Metric } from '../lib/metrics';
import { REFRESH_MS } from './refresh';

export type Row = Record<string, unknown> & { value?: string };
export type Breakdown = Omit<Schemas['BreakdownReport'], 'rows' | 'total' | 'unconverted'> & {
  rows: Row[];
  total: Row;
  unconverted: Record<string, number>;
};

export interface BreakdownQuery {
  dimension: Dimension;
  metrics: readonly Metric[];
  /** Null: the API's default range. */
  range: Range | null;
  filters: ReportFilter[];
  /** A saved segment's id: only its members' visits. */
  segment?: string | null;
  limit?: number;
}

export function getBreakdown(q: BreakdownQuery, signal?: AbortSignal): Promise<Breakdown> {
  return apiFetch<Breakdown>('/v1/reports/breakdown', {
    query: {
      dimension: q.dimension,
      metrics: q.metrics.join(','),
      from: q.range?.from,
      to: q.range?.to,
      filter: q.filters.map(formatFilter),
      segment: q.segment,
      limit: q.limit,
    },
    signal,
  });
}

export function breakdownQueryOptions(q: BreakdownQuery) {
  return queryOptions({
    queryKey: ['reports', 'breakdown', q.dimension, q.metrics.join(','), q.range?.from, q.range?.to, q.filters.map(formatFilter), q.segment ?? null, q.limit],
    queryFn: ({ signal }) => getBreakdown(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

/** The report of `q`, narrowed to the page's segment (`?segment=`) unless `q` names one. */
export function useBreakdown(q: BreakdownQuery, enabled = true) {
  const [segment] = useSegmentParam();
  return useQuery({ ...breakdownQueryOptions({ segment, ...q }), enabled });
}
