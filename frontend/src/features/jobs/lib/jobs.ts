// Job arithmetic for the Jobs page: what is active, how far along, and the import report.
import type { Schemas } from '@/shared/api/client';

type Job = Schemas['JobView'];

export function isActive(job: Pick<Job, 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running';
}

/** Fraction done (0..1) when the total is known; null when it is not (indeterminate bar). */
export function progressFraction(job: Pick<Job, 'status' | 'progress'>): number | null {
  if (job.status === 'succeeded') return 1;
  const { bytesProcessed, bytesTotal } = job.progress;
  if (!bytesTotal) return null;
  return Math.min(1, bytesProcessed / bytesTotal);
}

export type ImportReport = Schemas['ImportSummary'];
export type EnrichReport = Schemas['EnrichSummary'];

/** The event import report in a job's result, if that is what it holds. */
export function importReport(job: Pick<Job, 'kind' | 'result'>): ImportReport | null {
  const r = job.result;
  if (job.kind !== 'import' || !r || !('stored' in r)) return null;
  return r;
}

/** The catalog or traits import report in a job's result, if that is what it holds. */
export function enrichReport(job: Pick<Job, 'kind' | 'result'>): EnrichReport | null {
  const r = job.result;
  if (job.kind !== 'import' || !r || !('unchanged' in r)) return null;
  return r;
}

/** What an import job brings (`events` for event imports and jobs of other kinds). */
export function importKind(job: Pick<Job, 'kind' | 'params'>): Schemas['ImportKind'] {
  return job.kind === 'import' && 'kind' in job.params && job.params.kind ? job.params.kind : 'events';
}

/** Whether a job is an import that only validates (a dry run). */
export function isDryRun(job: Pick<Job, 'kind' | 'params'>): boolean {
  return job.kind === 'import' && 'dryRun' in job.params && job.params.dryRun === true;
}

/** The day an export covers or a retention purge ran for, from its key `export:YYYY-MM-DD` or `purge:YYYY-MM-DD`. */
export function jobDay(job: Pick<Job, 'kind' | 'key'>): string | null {
  if (job.kind !== 'export' && job.kind !== 'purge') return null;
  const m = /^(?:export|purge):(\d{4}-\d{2}-\d{2})$/.exec(job.key);
  return m?.[1] ?? null;
}

/** The person an erasure job erases, from its parameters. */
export function erasedPerson(job: Pick<Job, 'kind' | 'params'>): string | null {
  return job.kind === 'erase' && 'person' in job.params ? job.params.person : null;
}
