import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { isActive } from '../lib/jobs';

export type Job = Schemas['JobView'];
export type JobPage = Schemas['Page_JobView'];
export type JobKind = Schemas['JobKind'];
export type JobStatus = Schemas['JobStatus'];

export interface JobFilter {
  kind: JobKind | '';
  status: JobStatus | '';
}

export const jobsQueryKey = ['jobs'] as const;
const POLL_MS = 1500;

export function listJobs(f: JobFilter, cursor: string | null, signal?: AbortSignal): Promise<JobPage> {
  return apiFetch<JobPage>('/v1/jobs', { query: { kind: f.kind, status: f.status, cursor, limit: 25 }, signal });
}

export function jobsQueryOptions(f: JobFilter) {
  return infiniteQueryOptions({
    queryKey: [...jobsQueryKey, f.kind, f.status],
    queryFn: ({ pageParam, signal }) => listJobs(f, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While any job shown is queued or running, poll so progress bars move.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some(isActive)) ? POLL_MS : false),
  });
}

export function useJobs(f: JobFilter) {
  return useInfiniteQuery(jobsQueryOptions(f));
}
