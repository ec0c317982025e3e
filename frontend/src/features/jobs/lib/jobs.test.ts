import { describe, expect, it } from 'vitest';
import { exportDay, importReport, isActive, progressFraction } from './jobs';

const progress = { bytes_processed: 0, events_processed: 0, events_invalid: 0, events_duplicate: 0 };

describe('jobs', () => {
  it('knows which jobs are still active', () => {
    expect(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => isActive({ status: s as never }))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
  it('computes progress when the total is known, else none', () => {
    expect(progressFraction({ status: 'running', progress: { ...progress, bytes_processed: 25, bytes_total: 100 } })).toBe(0.25);
    expect(progressFraction({ status: 'running', progress: { ...progress, bytes_processed: 25 } })).toBeNull();
    expect(progressFraction({ status: 'succeeded', progress })).toBe(1);
    expect(progressFraction({ status: 'running', progress: { ...progress, bytes_processed: 200, bytes_total: 100 } })).toBe(1);
  });
  it('reads an import report and the day of an export', () => {
    // Results are typed as opaque objects in the API schema.
    const result = { dry_run: true, lines: 4, valid: 3, invalid: 1, errors: [{ line: 2, code: 'invalid_json', message: 'x' }] } as unknown as Record<string, never>;
    expect(importReport({ kind: 'import', result })).toMatchObject({ valid: 3, invalid: 1, stored: 0, errors: [{ line: 2 }] });
    expect(importReport({ kind: 'export', result })).toBeNull();
    expect(importReport({ kind: 'import', result: null })).toBeNull();
    expect(exportDay({ kind: 'export', key: 'export:2026-11-21' })).toBe('2026-11-21');
    expect(exportDay({ kind: 'import', key: 'import:abc' })).toBeNull();
  });
});
