import { describe, expect, it } from 'vitest';
import { enrichReport, erasedPerson, importKind, importReport, isActive, isDryRun, jobDay, progressFraction } from './jobs';

const progress = { bytesProcessed: 0, eventsProcessed: 0, eventsInvalid: 0, eventsDuplicate: 0 };

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
    expect(progressFraction({ status: 'running', progress: { ...progress, bytesProcessed: 25, bytesTotal: 100 } })).toBe(0.25);
    expect(progressFraction({ status: 'running', progress: { ...progress, bytesProcessed: 25 } })).toBeNull();
    expect(progressFraction({ status: 'succeeded', progress })).toBe(1);
    expect(progressFraction({ status: 'running', progress: { ...progress, bytesProcessed: 200, bytesTotal: 100 } })).toBe(1);
  });
  it('reads an import report and the day of an export', () => {
    const result = {
      dryRun: true,
      lines: 4,
      valid: 3,
      invalid: 1,
      stored: 0,
      duplicates: 0,
      bytes: 10,
      errors: [{ line: 2, code: 'invalid_json', message: 'x' }],
    };
    expect(importReport({ kind: 'import', result })).toMatchObject({ valid: 3, invalid: 1, stored: 0, errors: [{ line: 2 }] });
    expect(importReport({ kind: 'export', result })).toBeNull();
    expect(importReport({ kind: 'import', result: null })).toBeNull();
    expect(jobDay({ kind: 'export', key: 'export:2026-11-21' })).toBe('2026-11-21');
    expect(jobDay({ kind: 'purge', key: 'purge:2026-12-06' })).toBe('2026-12-06');
    expect(jobDay({ kind: 'import', key: 'import:abc' })).toBeNull();
    const source = { type: 'upload' as const, uploadId: 'f'.repeat(64) };
    expect(isDryRun({ kind: 'import', params: { source, format: 'ndjson', dryRun: true } })).toBe(true);
    expect(isDryRun({ kind: 'import', params: { source, format: 'ndjson', dryRun: false } })).toBe(false);
    expect(isDryRun({ kind: 'export', params: { date: '2026-11-21' } })).toBe(false);
    expect(importKind({ kind: 'import', params: { source, format: 'ndjson', dryRun: false } })).toBe('events');
    expect(importKind({ kind: 'import', params: { kind: 'traits', source, format: 'ndjson', dryRun: false } })).toBe('traits');
    expect(importKind({ kind: 'export', params: { date: '2026-11-21' } })).toBe('events');
  });
  it('tells a catalog or traits report from an event import report', () => {
    const result = {
      kind: 'catalog' as const,
      dryRun: false,
      lines: 2,
      valid: 2,
      invalid: 0,
      created: 0,
      changed: 0,
      unchanged: 2,
      skipped: 0,
      traitsDropped: 0,
      bytes: 40,
      errors: [],
    };
    expect(enrichReport({ kind: 'import', result })).toMatchObject({ kind: 'catalog', unchanged: 2 });
    expect(importReport({ kind: 'import', result })).toBeNull();
    const events = { dryRun: false, lines: 1, valid: 1, invalid: 0, stored: 1, duplicates: 0, bytes: 9, errors: [] };
    expect(enrichReport({ kind: 'import', result: events })).toBeNull();
    expect(importReport({ kind: 'import', result: events })).toMatchObject({ stored: 1 });
  });
  it('names the person of an erasure job and nothing for other kinds', () => {
    expect(erasedPerson({ kind: 'erase', params: { person: 'u7', suppress: false, requestedBy: 'cli' } })).toBe('u7');
    expect(erasedPerson({ kind: 'export', params: { date: '2026-11-20' } })).toBeNull();
  });
});
