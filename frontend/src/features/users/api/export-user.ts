import { buildUrl } from '@/shared/api/client';

/**
 * Where the browser downloads everything stored about a person (subject access, admin
 * only): one NDJSON file, sent as an attachment, so a plain link saves it.
 */
export function userExportUrl(id: string): string {
  return buildUrl(`/v1/users/${encodeURIComponent(id)}/export`);
}
