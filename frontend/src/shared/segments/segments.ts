// Saved segments as every page sees them: the list (for pickers) and the `segment=` URL
// parameter that narrows the users list and the reports to a segment's members.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type Segment = Schemas['SegmentView'];
export type SegmentList = Schemas['Page_SegmentView'];

export const segmentsQueryKey = ['segments'] as const;

export function listSegments(signal?: AbortSignal): Promise<SegmentList> {
  return apiFetch<SegmentList>('/v1/segments', { signal });
}

export const segmentsQueryOptions = queryOptions({
  queryKey: segmentsQueryKey,
  queryFn: ({ signal }) => listSegments(signal),
  staleTime: 30_000,
});

export function useSegments() {
  return useQuery(segmentsQueryOptions);
}

/** The page's segment (`?segment=<id>`), or null, and a setter that keeps other params. */
export function useSegmentParam(): [string | null, (id: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const segment = params.get('segment') || null;
  const set = (id: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (id) next.set('segment', id);
        else next.delete('segment');
        next.delete('cursor');
        return next;
      },
      { replace: true },
    );
  return [segment, set];
}
