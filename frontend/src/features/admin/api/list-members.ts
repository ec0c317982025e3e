import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import type { Member } from '@/shared/auth/session';

export const membersQueryKey = ['admin', 'members'] as const;

export function listMembers(signal?: AbortSignal): Promise<Member[]> {
  return apiFetch<Member[]>('/v1/admin/members', { signal });
}

export const membersQueryOptions = queryOptions({
  queryKey: membersQueryKey,
  queryFn: ({ signal }) => listMembers(signal),
});

export function useMembers() {
  return useQuery(membersQueryOptions);
}
