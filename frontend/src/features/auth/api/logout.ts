import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { noteSignOut, sessionQueryKey } from '@/shared/auth/session';

export function logout(): Promise<void> {
  return apiFetch<void>('/v1/auth/logout', { method: 'POST' });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      noteSignOut();
      qc.clear();
      qc.setQueryData(sessionQueryKey, null);
    },
  });
}
