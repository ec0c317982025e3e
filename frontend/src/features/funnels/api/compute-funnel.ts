import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type FunnelRequest = Schemas['FunnelRequest'];
export type FunnelReport = Schemas['Funnel'];
export type FunnelStepInput = Schemas['FunnelStepInput'];

export function computeFunnel(req: FunnelRequest, signal?: AbortSignal): Promise<FunnelReport> {
  return apiFetch<FunnelReport>('/v1/funnels', { method: 'POST', body: req, signal });
}

export function funnelQueryOptions(req: FunnelRequest) {
  return queryOptions({
    queryKey: ['funnels', JSON.stringify(req)],
    queryFn: ({ signal }) => computeFunnel(req, signal),
  });
}

/** The funnel the URL describes (`null`: none yet). A POST, but a read: cached by its body. */
export function useFunnel(req: FunnelRequest | null) {
  return useQuery({
    ...funnelQueryOptions(req ?? { steps: [] }),
    enabled: req !== null,
  });
}
