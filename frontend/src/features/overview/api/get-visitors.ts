import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type Visitors = Schemas['Visitors'];

export function getVisitors(signal?: AbortSignal): Promise<Visitors> {
  return apiFetch<Visitors>('/v1/live/visitors', { signal });
}

/** Refreshed every 15 s while the overview is open. */
export function visitorsQueryOptions() {
  return queryOptions({
    queryKey: ['live', 'visitors'],
    queryFn: ({ signal }) => getVisitors(signal),
    refetchInterval: 15_000,
  });
}

export function useVisitors() {
  return useQuery(visitorsQueryOptions());
}
