import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type UserProfile = Schemas['User'];
export type UserPage = Schemas['Page_User'];

export interface ListUsersParams {
  q: string;
  cursor: string | null;
  limit: number;
}

export function listUsers(p: ListUsersParams, signal?: AbortSignal): Promise<UserPage> {
  return apiFetch<UserPage>('/v1/users', { query: { q: p.q, cursor: p.cursor, limit: p.limit }, signal });
}

export function usersQueryOptions(p: ListUsersParams) {
  return queryOptions({
    queryKey: ['users', p.q, p.cursor, p.limit],
    queryFn: ({ signal }) => listUsers(p, signal),
    placeholderData: keepPreviousData,
  });
}

export function useUsers(p: ListUsersParams) {
  return useQuery(usersQueryOptions(p));
}
