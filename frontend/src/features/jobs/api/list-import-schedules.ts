import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';

export type ImportSchedule = Schemas['ImportScheduleView'];
export const importSchedulesQueryKey = ['imports', 'schedules'] as const;

export async function listImportSchedules(signal?: AbortSignal): Promise<ImportSchedule[]> {
  return (await apiFetch<Schemas['Page_ImportScheduleView']>('/v1/imports/schedules', { signal })).items;
}

export const importSchedulesQueryOptions = queryOptions({
  queryKey: importSchedulesQueryKey,
  queryFn: ({ signal }) => listImportSchedules(signal),
});

export function useImportSchedules(enabled: boolean) {
  return useQuery({ ...importSchedulesQueryOptions, enabled });
}
