import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

/** A person; `mergedFrom` is set when the id asked for was merged into them. */
export type UserDetail = Schemas['UserDetail'];

export function getUser(id: string, signal?: AbortSignal): Promise<UserDetail> {
  return apiFetch<UserDetail>(`/v1/users/${encodeURIComponent(id)}`, { signal });
}

export function userQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['user', id],
    queryFn: ({ signal }) => getUser(id, signal),
  });
}

export function useUser(id: string) {
  return useQuery(userQueryOptions(id));
}
