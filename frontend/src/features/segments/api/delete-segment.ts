import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { segmentsQueryKey, type SegmentList } from '@/shared/segments/segments';

export function deleteSegment(id: string): Promise<void> {
  return apiFetch<void>(`/v1/segments/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteSegment,
    // The list only: the deleted segment's member count must not be fetched again (404).
    onSuccess: (_, id) => {
      client.setQueryData<SegmentList>(segmentsQueryKey, (old) => old && { ...old, items: old.items.filter((s) => s.id !== id) });
      client.removeQueries({ queryKey: [...segmentsQueryKey, id] });
      return client.invalidateQueries({ queryKey: segmentsQueryKey, exact: true });
    },
  });
}
