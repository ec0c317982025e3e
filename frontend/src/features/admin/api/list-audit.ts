import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type AuditEntry = Schemas['AuditRecord'];
export type AuditPage = Schemas['Page_AuditRecord'];

export function listAudit(cursor: string | null, signal?: AbortSignal): Promise<AuditPage> {
  return apiFetch<AuditPage>('/v1/admin/audit', { query: { cursor, limit: 50 }, signal });
}

export const auditQueryOptions = infiniteQueryOptions({
  queryKey: ['admin', 'audit'],
  queryFn: ({ pageParam, signal }) => listAudit(pageParam, signal),
  initialPageParam: null as string | null,
  getNextPageParam: (last) => last.nextCursor ?? undefined,
});

export function useAudit() {
  return useInfiniteQuery(auditQueryOptions);
}
