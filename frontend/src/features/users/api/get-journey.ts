import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type TrackedEvent = Schemas['JourneyEvent'];
export type EventPage = Schemas['Page_JourneyEvent'];

export interface JourneyFilter {
  type: string;
  from: string;
  to: string;
}

export const JOURNEY_PAGE_SIZE = 50;

export function getJourney(
  id: string,
  f: JourneyFilter,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<EventPage> {
  return apiFetch<EventPage>(`/v1/users/${encodeURIComponent(id)}/journey`, {
    query: { types: f.type, from: f.from, to: f.to, cursor, limit: JOURNEY_PAGE_SIZE },
    signal,
  });
}

export function journeyQueryOptions(id: string, f: JourneyFilter) {
  return infiniteQueryOptions({
    queryKey: ['journey', id, f.type, f.from, f.to],
    queryFn: ({ pageParam, signal }) => getJourney(id, f, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useJourney(id: string, f: JourneyFilter) {
  return useInfiniteQuery(journeyQueryOptions(id, f));
}
