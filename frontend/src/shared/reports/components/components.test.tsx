import { fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '@/shared/i18n';
import { reportFormat } from '../lib/metrics';
import { FilterChips } from './FilterChips';
import { KpiCards } from './KpiCards';
import { Unconverted } from './Unconverted';

const nbsp = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');

describe('report components', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('en');
  });

  it('cards show the figure and its change, good or bad by metric', () => {
    const fmt = reportFormat('en', 'EUR', 'UTC');
    render(
      <KpiCards
        metrics={['revenue', 'bounceRate', 'aov']}
        current={{ revenue: 150, bounceRate: 0.6, aov: null }}
        previous={{ revenue: 100, bounceRate: 0.4, aov: 20 }}
        fmt={fmt}
      />,
    );
    const [revenue, bounce, aov] = screen.getAllByRole('listitem');
    expect(revenue).toHaveTextContent('Revenue€150.00+50% vs previous period');
    expect(revenue!.querySelector('.kpi-change')).toHaveClass('up');
    // More bounces is bad news.
    expect(bounce).toHaveTextContent('60%+50% vs previous period');
    expect(bounce!.querySelector('.kpi-change')).toHaveClass('down');
    expect(aov).toHaveTextContent('—No previous figure to compare');
  });

  it('chips read as sentences in Spanish and take a filter off', async () => {
    await i18n.changeLanguage('es');
    const onRemove = vi.fn();
    const filters = [
      { dimension: 'channel', op: 'is', value: 'Paid Search' },
      { dimension: 'device', op: 'isNot', value: 'mobile' },
      { dimension: 'utmCampaign', op: 'contains', value: 'spring' },
    ] as const;
    render(<FilterChips filters={[...filters]} onRemove={onRemove} />);
    expect(screen.getAllByRole('listitem').map((li) => li.firstChild?.textContent)).toEqual([
      'Canal es Búsqueda de pago',
      'Dispositivo no es Móvil',
      'Campaña contiene spring',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Quitar el filtro Dispositivo no es Móvil' }));
    expect(onRemove).toHaveBeenCalledWith(filters[1]);
  });

  it('lists revenue in currencies without a rate, and nothing when there is none', () => {
    const { container, rerender } = render(<Unconverted amounts={{ GBP: 12, USD: 3.5 }} />);
    expect(nbsp(container.textContent)).toBe('Not included (no exchange rate): £12.00, $3.50');
    rerender(<Unconverted amounts={{}} />);
    expect(container.textContent).toBe('');
  });
});
