import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { segmentsQueryKey, type Segment } from '@/shared/segments/segments';
import type { SegmentInput } from './create-segment';

export function updateSegment({ id, input }: { id: string; input: SegmentInput }): Promise<Segment> {
  return apiFetch<Segment>(`/v1/segments/${encodeURIComponent(id)}`, { method: 'PUT', body: input });
}

export function useUpdateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: updateSegment,
    // The list, and the edited segment's member count (its conditions changed).
    onSuccess: (_, { id }) =>
      Promise.all([
        client.invalidateQueries({ queryKey: segmentsQueryKey, exact: true }),
        client.invalidateQueries({ queryKey: [...segmentsQueryKey, id] }),
      ]),
  });
}
