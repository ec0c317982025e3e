import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type SavedFunnel = Schemas['SavedFunnelInfo'];
export type SaveFunnelInput = Schemas['SaveFunnel'];
type SavedPage = { items: SavedFunnel[]; nextCursor?: string | null };

export const savedFunnelsQueryKey = ['funnels', 'saved'] as const;

export function savedFunnelsQueryOptions() {
  return queryOptions({
    queryKey: savedFunnelsQueryKey,
    queryFn: ({ signal }) => apiFetch<SavedPage>('/v1/funnels/saved', { signal }),
  });
}

export function useSavedFunnels() {
  return useQuery(savedFunnelsQueryOptions());
}

export function useSaveFunnel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: SaveFunnelInput }) =>
      id
        ? apiFetch<SavedFunnel>(`/v1/funnels/saved/${encodeURIComponent(id)}`, { method: 'PUT', body: input })
        : apiFetch<SavedFunnel>('/v1/funnels/saved', { method: 'POST', body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: savedFunnelsQueryKey }),
  });
}

export function useDeleteSavedFunnel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<void>(`/v1/funnels/saved/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: savedFunnelsQueryKey }),
  });
}
