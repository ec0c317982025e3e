import { useMutation } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type FunnelRequest = Schemas['FunnelRequest'];
export type FunnelReport = Schemas['Funnel'];

export function computeFunnel(req: FunnelRequest): Promise<FunnelReport> {
  return apiFetch<FunnelReport>('/v1/funnels', { method: 'POST', body: req });
}

/** A funnel is computed on demand (it reads events, not rollups), so it is a mutation. */
export function useComputeFunnel() {
  return useMutation({ mutationFn: computeFunnel });
}
