import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { importSchedulesQueryKey, type ImportSchedule } from './list-import-schedules';

export type CreateImportSchedule = Schemas['ImportScheduleRequest'];

export function createImportSchedule(body: CreateImportSchedule): Promise<ImportSchedule> {
  return apiFetch<ImportSchedule>('/v1/imports/schedules', { method: 'POST', body });
}

export function useCreateImportSchedule() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createImportSchedule,
    onSuccess: () => qc.invalidateQueries({ queryKey: importSchedulesQueryKey }),
  });
}
