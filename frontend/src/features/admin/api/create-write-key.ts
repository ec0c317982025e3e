import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { writeKeysQueryKey } from './list-write-keys';

export type NewWriteKey = Schemas['NewWriteKey'];
export type WriteKeyKind = Schemas['WriteKeyKind'];
export const WRITE_KEY_KINDS: readonly WriteKeyKind[] = ['browser', 'server'];

export function createWriteKey(input: Schemas['CreateWriteKey']): Promise<NewWriteKey> {
  return apiFetch<NewWriteKey>('/v1/admin/write-keys', { method: 'POST', body: input });
}

export function useCreateWriteKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createWriteKey,
    onSuccess: () => qc.invalidateQueries({ queryKey: writeKeysQueryKey }),
  });
}
