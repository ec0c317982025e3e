import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import type { Job } from './list-jobs';
import { jobsQueryKey } from './list-jobs';

export type JobAction = 'retry' | 'cancel';

export function changeJob({ id, action }: { id: string; action: JobAction }): Promise<Job> {
  return apiFetch<Job>(`/v1/jobs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
}

export function useChangeJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: changeJob,
    onSuccess: () => qc.invalidateQueries({ queryKey: jobsQueryKey }),
  });
}
