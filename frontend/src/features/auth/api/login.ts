import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { noteSignedIn, sessionQueryKey, type Member } from '@/shared/auth/session';

export type LoginInput = Schemas['LoginRequest'];

export function login(input: LoginInput): Promise<Member> {
  return apiFetch<Member>('/v1/auth/login', { method: 'POST', body: input });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: ['login'],
    mutationFn: login,
    onSuccess: (member) => {
      noteSignedIn();
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
      qc.setQueryData(sessionQueryKey, member);
    },
  });
}
