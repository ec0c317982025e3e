import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import type { NewWriteKey } from './create-write-key';
import { writeKeysQueryKey } from './list-write-keys';

export function rotateWriteKey(id: string): Promise<NewWriteKey> {
  return apiFetch<NewWriteKey>(`/v1/admin/write-keys/${encodeURIComponent(id)}/rotate`, { method: 'POST' });
}

export function useRotateWriteKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: rotateWriteKey,
    onSuccess: () => qc.invalidateQueries({ queryKey: writeKeysQueryKey }),
  });
}
