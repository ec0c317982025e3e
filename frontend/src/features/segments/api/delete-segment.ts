import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { segmentsQueryKey } from '@/shared/segments/segments';

export function deleteSegment(id: string): Promise<void> {
  return apiFetch<void>(`/v1/segments/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteSegment,
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsQueryKey }),
  });
}
