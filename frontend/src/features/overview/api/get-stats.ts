import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type Stats = Schemas['StatsReport'];

export function getStats(from: string, to: string, signal?: AbortSignal): Promise<Stats> {
  return apiFetch<Stats>('/v1/stats', { query: { from, to }, signal });
}

export function statsQueryOptions(from: string, to: string) {
  return queryOptions({
    queryKey: ['stats', from, to],
    queryFn: ({ signal }) => getStats(from, to, signal),
    staleTime: 30_000,
  });
}

export function useStats(from: string, to: string) {
  return useQuery(statsQueryOptions(from, to));
}
