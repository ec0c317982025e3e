import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { writeKeysQueryKey } from './list-write-keys';

export function revokeWriteKey(id: string): Promise<void> {
  return apiFetch<void>(`/v1/admin/write-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useRevokeWriteKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: revokeWriteKey,
    onSuccess: () => qc.invalidateQueries({ queryKey: writeKeysQueryKey }),
  });
}
