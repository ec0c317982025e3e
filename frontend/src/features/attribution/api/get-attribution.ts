import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { REFRESH_MS } from '@/shared/reports/api/refresh';
import { formatFilter, type Range, type ReportFilter } from '@/shared/reports/lib/params';
import type { AttributionDimension } from '../lib/attribution';

export type AttributionReport = Omit<Schemas['AttributionReport'], 'unconverted'> & {
  unconverted: Record<string, number>;
};
export type AttributionRow = Schemas['AttributionRow'];
export type AttributionFigures = Schemas['AttributionFigures'];

export interface AttributionQuery {
  dimension: AttributionDimension;
  lookbackDays: number;
  range: Range | null;
  filters: ReportFilter[];
}

/** Every model side by side (`model=all`): rows carry `models`. */
export function getAttribution(q: AttributionQuery, signal?: AbortSignal): Promise<AttributionReport> {
  return apiFetch<AttributionReport>('/v1/reports/attribution', {
    query: {
      model: 'all',
      dimension: q.dimension,
      lookbackDays: String(q.lookbackDays),
      from: q.range?.from,
      to: q.range?.to,
      filter: q.filters.map(formatFilter),
    },
    signal,
  });
}

export function attributionQueryOptions(q: AttributionQuery) {
  return queryOptions({
    queryKey: ['reports', 'attribution', q.dimension, q.lookbackDays, q.range?.from, q.range?.to, q.filters.map(formatFilter)],
    queryFn: ({ signal }) => getAttribution(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

export function useAttribution(q: AttributionQuery) {
  return useQuery(attributionQueryOptions(q));
}
