import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { isActive } from '../lib/jobs';
import type { Job } from './list-jobs';

export function getJob(id: string, signal?: AbortSignal): Promise<Job> {
  return apiFetch<Job>(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
}

/** One job, polled until it is final (for the import form's report). */
export function jobQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['job', id],
    queryFn: ({ signal }) => getJob(id, signal),
    refetchInterval: (q) => (q.state.data && !isActive(q.state.data) ? false : 1000),
  });
}

export function useJob(id: string | null) {
  return useQuery({ ...jobQueryOptions(id ?? ''), enabled: id !== null });
}
