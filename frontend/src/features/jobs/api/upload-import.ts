import { env } from '@/config/env';
import { ApiError, type Schemas } from '@/shared/api/client';

export type Upload = Schemas['Upload'];

/** Sends a file's raw bytes (NDJSON or CSV); the answer's id names it in an import. */
export async function uploadImport(file: Blob): Promise<Upload> {
  const res = await fetch(`${env.apiBaseUrl}/v1/imports/uploads`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as Partial<Upload> & { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'http_error', body.message ?? res.statusText, body);
  return body as Upload;
}
