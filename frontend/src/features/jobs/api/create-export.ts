import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { jobsQueryKey, type Job } from './list-jobs';

export function createExport(input: Schemas['CreateExport']): Promise<Job> {
  return apiFetch<Job>('/v1/exports', { method: 'POST', body: input });
}

export function useCreateExport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createExport,
    onSuccess: () => qc.invalidateQueries({ queryKey: jobsQueryKey }),
  });
}
