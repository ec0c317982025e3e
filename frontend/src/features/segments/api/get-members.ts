import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type MembersPage = Schemas['MembersPage'];

/** The first members of a segment (resolved now) and how many there are. */
export function getMembers(id: string, signal?: AbortSignal): Promise<MembersPage> {
  return apiFetch<MembersPage>(`/v1/segments/${encodeURIComponent(id)}/members`, { query: { limit: 10 }, signal });
}

export function membersQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['segments', id, 'members'],
    queryFn: ({ signal }) => getMembers(id, signal),
    staleTime: 30_000,
  });
}

export function useMembers(id: string) {
  return useQuery(membersQueryOptions(id));
}
