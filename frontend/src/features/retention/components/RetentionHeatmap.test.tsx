import { render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import i18n from '@/shared/i18n';
import { reportFormat } from '@/shared/reports/lib/metrics';
import type { RetentionReport } from '../api/get-retention';
import { heat, readEvent, readPeriods, share } from '../lib/retention';
import { RetentionHeatmap } from './RetentionHeatmap';

/** Intl's narrow and no-break spaces as plain ones, so expectations read plainly. */
const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');

const report: RetentionReport = {
  timeZone: 'Europe/Madrid',
  currency: 'EUR',
  from: '2026-06-01',
  to: '2026-06-14',
  interval: 'week',
  periods: 3,
  cohortEvent: 'any',
  returning: 'any',
  cohorts: [
    { cohort: '2026-06-01', size: 4, returning: [4, 2, 1], revenue: [10, 0, 1234.5], partial: false },
    { cohort: '2026-06-08', size: 2, returning: [2, 1], revenue: [0, 0], partial: true },
  ],
  curve: [1, 0.5, 0.25],
  unconverted: {},
};

describe('retention helpers', () => {
  it('reads settings from the URL with safe defaults', () => {
    expect(readPeriods('12')).toBe(12);
    expect(readPeriods('0')).toBe(8);
    expect(readPeriods('61')).toBe(8);
    expect(readPeriods('x')).toBe(8);
    expect(readPeriods(null)).toBe(8);
    expect(readEvent(' purchase ')).toBe('purchase');
    expect(readEvent('')).toBe('any');
  });
  it('divides by the cohort and steps the heat', () => {
    expect(share(report.cohorts[0]!, 1)).toBe(0.5);
    expect(share({ ...report.cohorts[0]!, size: 0 }, 1)).toBeNull();
    expect([0, 0.01, 0.5, 1].map(heat)).toEqual([0, 1, 3, 5]);
  });
});

describe('RetentionHeatmap', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('en');
  });

  it('shows percentages, sizes and revenue in the report currency, marking the partial period', () => {
    render(<RetentionHeatmap report={report} fmt={reportFormat('en', 'EUR', 'Europe/Madrid')} />);
    const rows = screen.getAllByRole('row');
    expect(within(rows[0]!).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Cohort',
      'People',
      'Revenue',
      'Week 0',
      'Week 1',
      'Week 2',
    ]);
    const first = within(rows[1]!).getAllByRole('cell').map((c) => plain(c.textContent));
    expect(first).toEqual(['4', '€1,244.50', '100%', '50%', '25%']);
    const second = within(rows[2]!).getAllByRole('cell').map((c) => plain(c.textContent));
    expect(second).toEqual(['2', '€0.00', '100%', '50%*']);
    expect(screen.getByText('* The period is still in progress.')).toBeInTheDocument();
  });

  it('formats in Spanish', async () => {
    await i18n.changeLanguage('es');
    render(<RetentionHeatmap report={report} fmt={reportFormat('es', 'EUR', 'Europe/Madrid')} />);
    expect(screen.getByRole('columnheader', { name: 'Semana 1' })).toBeInTheDocument();
    const first = within(screen.getAllByRole('row')[1]!).getAllByRole('cell').map((c) => plain(c.textContent));
    expect(first).toEqual(['4', '1244,50 €', '100 %', '50 %', '25 %']);
  });
});
