import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import i18n from '@/shared/i18n';
import type { FunnelReport } from '../api/compute-funnel';
import { fromRequest, funnelRows, readSettings, toRequest, windowSeconds, writeSettings } from '../lib/funnel';
import { FunnelChart } from './FunnelChart';

const report: FunnelReport = {
  steps: [
    { type: 'product_view', entered: 200, converted: 50, droppedOff: 150, conversionFromPrevious: 1, conversionFromStart: 1 },
    { type: 'add_to_cart', entered: 50, converted: 10, droppedOff: 40, conversionFromPrevious: 0.25, conversionFromStart: 0.25, medianSecondsToConvert: 90 },
    { type: 'purchase', entered: 10, converted: 10, droppedOff: 0, conversionFromPrevious: 0.2, conversionFromStart: 0.05, medianSecondsToConvert: 7200 },
  ],
  warnings: [],
};

describe('funnelRows', () => {
  it('scales bars to the first step and carries the drop-off before each step', () => {
    const rows = funnelRows(report);
    expect(rows.map((r) => r.width)).toEqual([100, 25, 5]);
    expect(rows.map((r) => r.lostBefore)).toEqual([0, 150, 40]);
  });
  it('draws empty bars when nobody entered', () => {
    const empty = { ...report, steps: report.steps.map((s) => ({ ...s, entered: 0 })) };
    expect(funnelRows(empty).map((r) => r.width)).toEqual([0, 0, 0]);
  });
  it('keeps settings in the URL and gives them back, filters and all', () => {
    const settings = {
      steps: [
        { event: 'product_view', filters: ['property.sku:SKU-1', 'channel:Email'] },
        { event: 'purchase', filters: [] },
      ],
      windowAmount: 2,
      windowUnit: 'hours' as const,
      from: '2026-01-01',
      to: '2026-01-30',
      breakdown: 'channel',
      count: 'total' as const,
      trend: true,
      dropOff: 0,
    };
    const params = writeSettings(settings, new URLSearchParams('saved=abc'));
    expect(params.getAll('step')).toEqual(['product_view|property.sku:SKU-1|channel:Email', 'purchase']);
    expect(params.get('saved')).toBe('abc');
    expect(readSettings(params)).toEqual(settings);
    const request = toRequest(settings);
    expect(request.steps).toEqual([{ event: 'product_view', filters: ['property.sku:SKU-1', 'channel:Email'] }, 'purchase']);
    expect(request.windowSeconds).toBe(7200);
    expect(fromRequest(request)).toEqual(settings);
    expect(readSettings(new URLSearchParams('step=a'))).toBeNull();
  });
  it('converts the window to seconds', () => {
    expect(windowSeconds(2, 'hours')).toBe(7200);
    expect(windowSeconds(1, 'days')).toBe(86_400);
  });
});

describe('FunnelChart', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('en');
  });
  it('shows each step with its users, conversion and drop-off', () => {
    render(<FunnelChart report={report} />);
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveTextContent('1. product_view');
    expect(items[0]).toHaveTextContent('200 users');
    expect(items[1]).toHaveTextContent('25% of the previous step');
    expect(items[1]).toHaveTextContent('150 dropped off');
    expect(items[2]).toHaveTextContent('5% of the first');
    expect(items[1]).toHaveTextContent('Median time from the previous step: 1.5 min');
    expect(items[2]).toHaveTextContent('2 hr');
  });
  it('renders in Spanish with Spanish number formatting', async () => {
    await i18n.changeLanguage('es');
    const big = { ...report, steps: report.steps.map((s) => ({ ...s, entered: s.entered * 1000 })) };
    render(<FunnelChart report={big} />);
    expect(screen.getAllByRole('listitem')[0]).toHaveTextContent('200.000 usuarios');
    expect(screen.getAllByRole('listitem')[1]).toHaveTextContent('1,5 min');
  });
});
