// Job arithmetic for the Jobs page: what is active, how far along, and the import report.
import type { Schemas } from '@/shared/api/client';

type Job = Schemas['Job'];

export function isActive(job: Pick<Job, 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running';
}

/** Fraction done (0..1) when the total is known; null when it is not (indeterminate bar). */
export function progressFraction(job: Pick<Job, 'status' | 'progress'>): number | null {
  if (job.status === 'succeeded') return 1;
  const { bytes_processed, bytes_total } = job.progress;
  if (!bytes_total) return null;
  return Math.min(1, bytes_processed / bytes_total);
}

export interface ImportReport {
  dry_run: boolean;
  lines: number;
  valid: number;
  invalid: number;
  stored: number;
  duplicates: number;
  bytes: number;
  errors: { line: number; code: string; message: string }[];
}

/** The import report in a job's result, if that is what it holds. */
export function importReport(job: Pick<Job, 'kind' | 'result'>): ImportReport | null {
  const r = job.result as Partial<ImportReport> | null | undefined;
  if (job.kind !== 'import' || !r || typeof r.valid !== 'number') return null;
  return { errors: [], dry_run: false, lines: 0, invalid: 0, stored: 0, duplicates: 0, bytes: 0, ...r } as ImportReport;
}

/** The day an export job covers, from its key `export:YYYY-MM-DD`. */
export function exportDay(job: Pick<Job, 'kind' | 'key'>): string | null {
  const m = job.kind === 'export' ? /^export:(\d{4}-\d{2}-\d{2})$/.exec(job.key) : null;
  return m?.[1] ?? null;
}
