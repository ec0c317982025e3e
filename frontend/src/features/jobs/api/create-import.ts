import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Schemas } from '@/shared/api/client';
import { jobsQueryKey, type Job } from './list-jobs';
import { uploadImport } from './upload-import';

export type CreateImport = Schemas['ImportRequest'];

export interface ImportInput {
  /** A file to upload first, or a source already named. */
  file?: Blob;
  request: Omit<CreateImport, 'source'> & { source?: CreateImport['source'] };
}

export async function createImport({ file, request }: ImportInput): Promise<Job> {
  const source = file ? { type: 'upload' as const, uploadId: (await uploadImport(file)).uploadId } : request.source;
  return apiFetch<Job>('/v1/imports', { method: 'POST', body: { ...request, source } });
}

export function useCreateImport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createImport,
    onSuccess: () => qc.invalidateQueries({ queryKey: jobsQueryKey }),
  });
}
