import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import type { Member } from '@/shared/auth/session';
import { membersQueryKey } from './list-members';

export type CreateMemberInput = Schemas['CreateMember'];

export function createMember(input: CreateMemberInput): Promise<Member> {
  return apiFetch<Member>('/v1/admin/members', { method: 'POST', body: input });
}

export function useCreateMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createMember,
    onSuccess: () => qc.invalidateQueries({ queryKey: membersQueryKey }),
  });
}
