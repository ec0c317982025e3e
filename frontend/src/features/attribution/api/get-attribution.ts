import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { REFRESH_MS } from '@/shared/reports/api/refresh';
import { formatFilter, type Range, type ReportFilter } from '@/shared/reports/lib/params';
import { useSegmentParam } from '@/shared/segments/segments';
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
  /** A saved segment's id: only its members' orders count. */
  segment?: string | null;
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
      segment: q.segment ?? undefined,
    },
    signal,
  });
}

export function attributionQueryOptions(q: AttributionQuery) {
  return queryOptions({
    queryKey: ['reports', 'attribution', q.dimension, q.lookbackDays, q.range?.from, q.range?.to, q.filters.map(formatFilter), q.segment ?? null],
    queryFn: ({ signal }) => getAttribution(q, signal),
    staleTime: 30_000,
    refetchInterval: REFRESH_MS,
    refetchOnWindowFocus: true,
    placeholderData: keepPreviousData,
  });
}

/** The attribution of the page's settings, narrowed to the URL's `segment=` when set. */
export function useAttribution(q: AttributionQuery) {
  const [segment] = useSegmentParam();
  return useQuery(attributionQueryOptions({ segment, ...q }));
}
