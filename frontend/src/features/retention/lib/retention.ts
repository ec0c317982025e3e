// Retention settings read from and written to the URL, and the shares the heatmap shows.
import type { RetentionCohort, RetentionInterval } from '../api/get-retention';

export const INTERVALS: readonly RetentionInterval[] = ['day', 'week', 'month'];
export const DEFAULT_PERIODS = 8;
export const MAX_PERIODS = 60;

/** `periods` from the URL: a whole number 1 to 60, else the default. */
export function readPeriods(raw: string | null): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= MAX_PERIODS ? n : DEFAULT_PERIODS;
}

/** An event type from the URL, or `any`. */
export function readEvent(raw: string | null): string {
  const v = raw?.trim();
  return v ? v : 'any';
}

/** Members who came back in period `k` as a share of the cohort (null: nothing to divide). */
export function share(c: RetentionCohort, k: number): number | null {
  const n = c.returning[k];
  return n === undefined || c.size === 0 ? null : n / c.size;
}

/** A heat step 0..5 for a share, for the cell's colour class. */
export function heat(s: number | null): number {
  if (s === null) return 0;
  return Math.min(5, Math.ceil(s * 5));
}
