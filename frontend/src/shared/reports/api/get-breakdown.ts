import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
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
      limit: q.limit,
    },
    signal,
  });
}

export function breakdownQueryOptions(q: BreakdownQuery) {
  return queryOptions({
    queryKey: ['reports', 'breakdown', q.dimension, q.metrics.join(','), q.range?.from, q.range?.to, q.filters.map(formatFilter), q.limit],
    queryFn: ({ signal }) => getBreakdown(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

export function useBreakdown(q: BreakdownQuery, enabled = true) {
  return useQuery({ ...breakdownQueryOptions(q), enabled });
}
