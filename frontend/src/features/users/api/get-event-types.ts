import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

/** The event types in a person's journey, by name: what the journey's type filter offers. */
export async function getEventTypes(id: string, signal?: AbortSignal): Promise<string[]> {
  return (await apiFetch<Schemas['Page_String']>(`/v1/users/${encodeURIComponent(id)}/event-types`, { signal })).items;
}

export function eventTypesQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['user-event-types', id],
    queryFn: ({ signal }) => getEventTypes(id, signal),
  });
}

export function useEventTypes(id: string) {
  return useQuery(eventTypesQueryOptions(id));
}
