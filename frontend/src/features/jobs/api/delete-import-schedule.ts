import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/shared/api/client';
import { importSchedulesQueryKey } from './list-import-schedules';

export function deleteImportSchedule(id: string): Promise<void> {
  return apiFetch<void>(`/v1/imports/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteImportSchedule() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteImportSchedule,
    onSuccess: () => qc.invalidateQueries({ queryKey: importSchedulesQueryKey }),
  });
}
