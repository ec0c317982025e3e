import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import type { Member } from '@/shared/auth/session';

export const membersQueryKey = ['admin', 'members'] as const;

export async function listMembers(signal?: AbortSignal): Promise<Member[]> {
  return (await apiFetch<Schemas['Page_Member']>('/v1/admin/members', { signal })).items;
}

export const membersQueryOptions = queryOptions({
  queryKey: membersQueryKey,
  queryFn: ({ signal }) => listMembers(signal),
});

export function useMembers() {
  return useQuery(membersQueryOptions);
}
