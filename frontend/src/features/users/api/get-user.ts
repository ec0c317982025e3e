import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import type { UserProfile } from './list-users';

export function getUser(id: string, signal?: AbortSignal): Promise<UserProfile> {
  return apiFetch<UserProfile>(`/v1/users/${encodeURIComponent(id)}`, { signal });
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
