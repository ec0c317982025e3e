import { useMutation } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

/** The erasure job the API answers with. */
export type ErasureJob = Schemas['JobView'];

/** Starts the erasure of the person `id` belongs to (admin only). */
export function eraseUser({ id, suppress }: { id: string; suppress: boolean }): Promise<ErasureJob> {
  return apiFetch<ErasureJob>(`/v1/users/${encodeURIComponent(id)}`, {
    method: 'DELETE',
    query: { suppress: suppress ? 'true' : undefined },
  });
}

export function useEraseUser() {
  return useMutation({ mutationFn: eraseUser });
}
