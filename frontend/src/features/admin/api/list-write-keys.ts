import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type WriteKeyInfo = Schemas['WriteKeyInfo'];
export const writeKeysQueryKey = ['admin', 'write-keys'] as const;

export async function listWriteKeys(signal?: AbortSignal): Promise<WriteKeyInfo[]> {
  return (await apiFetch<Schemas['Page_WriteKeyInfo']>('/v1/admin/write-keys', { signal })).items;
}

export const writeKeysQueryOptions = queryOptions({
  queryKey: writeKeysQueryKey,
  queryFn: ({ signal }) => listWriteKeys(signal),
});

export function useWriteKeys() {
  return useQuery(writeKeysQueryOptions);
}
