import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { segmentsQueryKey, type Segment } from '@/shared/segments/segments';

export type SegmentInput = Schemas['SegmentInput'];
export type Condition = Schemas['Condition'];

export function createSegment(input: SegmentInput): Promise<Segment> {
  return apiFetch<Segment>('/v1/segments', { method: 'POST', body: input });
}

export function useCreateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createSegment,
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsQueryKey, exact: true }),
  });
}
