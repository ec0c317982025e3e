import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import type { Member } from '@/shared/auth/session';
import { membersQueryKey } from './list-members';

export type UpdateMemberInput = Schemas['UpdateMember'];

export function updateMember({ id, ...patch }: UpdateMemberInput & { id: string }): Promise<Member> {
  return apiFetch<Member>(`/v1/admin/members/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });
}

export function useUpdateMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateMember,
    onSuccess: () => qc.invalidateQueries({ queryKey: membersQueryKey }),
  });
}
