import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, buildUrl, type Schemas } from '@/shared/api/client';

export type UserProfile = Schemas['User'];
export type UserPage = Schemas['UserPage'];
/** Columns the API sorts by. */
export type SortKey = 'userId' | 'firstSeen' | 'lastSeen' | 'eventCount';
export type SortDir = 'asc' | 'desc';

export interface ListUsersParams {
  q: string;
  sort: SortKey;
  order: SortDir;
  cursor: string | null;
  limit: number;
  /** A saved segment's id: only its members. */
  segment: string | null;
}

export function listUsers(p: ListUsersParams, signal?: AbortSignal): Promise<UserPage> {
  return apiFetch<UserPage>('/v1/users', {
    query: { q: p.q, sort: p.sort, order: p.order, cursor: p.cursor, limit: p.limit, segment: p.segment },
    signal,
  });
}

/** Where the browser downloads every matching person as CSV (the session cookie goes along). */
export function usersCsvUrl(p: Pick<ListUsersParams, 'q' | 'sort' | 'order' | 'segment'>): string {
  return buildUrl('/v1/users.csv', { q: p.q, sort: p.sort, order: p.order, segment: p.segment });
}

export function usersQueryOptions(p: ListUsersParams) {
  return queryOptions({
    queryKey: ['users', p.q, p.sort, p.order, p.cursor, p.limit, p.segment],
    queryFn: ({ signal }) => listUsers(p, signal),
    placeholderData: keepPreviousData,
  });
}

export function useUsers(p: ListUsersParams) {
  return useQuery(usersQueryOptions(p));
}
