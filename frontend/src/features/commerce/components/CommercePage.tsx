import { useTranslation } from 'react-i18next';
import { BarChart } from '@/shared/components/BarChart';
import { ErrorMessage, Loading } from '@/shared/components/States';
import { useBreakdown } from '@/shared/reports/api/get-breakdown';
import { BreakdownPanel } from '@/shared/reports/components/BreakdownPanel';
import { CsvButton } from '@/shared/reports/components/CsvButton';
import { FilterChips } from '@/shared/reports/components/FilterChips';
import { KpiCards } from '@/shared/reports/components/KpiCards';
import { ReportBar } from '@/shared/reports/components/ReportBar';
import { TrendChart } from '@/shared/reports/components/TrendChart';
import { Unconverted } from '@/shared/reports/components/Unconverted';
import { csvName } from '@/shared/reports/lib/csv';
import { figure, type Metric } from '@/shared/reports/lib/metrics';
import { formatFilter, intervalFor, previousPeriod, todayIn } from '@/shared/reports/lib/params';
import { useReportFormat } from '@/shared/reports/lib/use-report-format';
import { useUrlChoice } from '@/shared/reports/lib/use-url-choice';
import { useReportState } from '@/shared/reports/lib/use-report-state';

const KPIS: readonly Metric[] = ['revenue', 'orders', 'aov', 'conversionRate', 'buyers', 'newBuyers', 'returningBuyers'];
const TREND: readonly Metric[] = ['revenue', 'orders', 'aov', 'conversionRate'];
const BY_CHANNEL: readonly Metric[] = ['revenue', 'orders', 'aov', 'conversionRate', 'sessions'];
const BY_PRODUCT: readonly Metric[] = ['visitors', 'sessions'];

/** Revenue, orders, AOV and conversion by day and by channel; new and returning buyers. */
export function CommercePage() {
  const { t } = useTranslation();
  const state = useReportState();
  const [metric, setMetric] = useUrlChoice<Metric>('metric', TREND, 'revenue');
  const totals = useBreakdown({ dimension: 'channel', metrics: KPIS, range: state.range, filters: state.filters, limit: 1 });
  const shown = state.range ?? (totals.data ? { from: totals.data.from, to: totals.data.to } : null);
  const prev = shown ? previousPeriod(shown) : null;
  const previous = useBreakdown({ dimension: 'channel', metrics: KPIS, range: prev, filters: state.filters, limit: 1 }, !!prev);
  const fmt = useReportFormat(totals.data?.currency, totals.data?.timeZone);
  const total = totals.data?.total;
  const buyers = [
    { label: t('reports.metric.newBuyers'), metric: 'newBuyers' as const, value: figure(total, 'newBuyers') ?? 0 },
    { label: t('reports.metric.returningBuyers'), metric: 'returningBuyers' as const, value: figure(total, 'returningBuyers') ?? 0 },
  ];

  return (
    <section aria-labelledby="commerce-title" className="page">
      <header className="page-header">
        <h1 id="commerce-title">{t('commerce.title')}</h1>
        <ReportBar
          range={shown}
          today={totals.data ? todayIn(totals.data.timeZone) : undefined}
          timeZone={totals.data?.timeZone}
          onRange={state.setRange}
          updatedAt={totals.dataUpdatedAt}
          fetching={totals.isFetching}
          fmt={fmt}
        />
      </header>
      <FilterChips filters={state.filters} onRemove={state.removeFilter} />
      {totals.isPending && <Loading />}
      {totals.isError && <ErrorMessage error={totals.error} onRetry={() => void totals.refetch()} />}
      {totals.data && (
        <>
          {prev && <p className="muted">{t('reports.comparedWith', { from: fmt.day(prev.from), to: fmt.day(prev.to) })}</p>}
          <KpiCards metrics={KPIS} current={total} previous={previous.data?.total} fmt={fmt} />
          <Unconverted amounts={totals.data.unconverted} />
        </>
      )}
      <TrendChart
        id="commerce-trend"
        metrics={TREND}
        metric={metric}
        onMetric={setMetric}
        range={state.range}
        interval={state.range ? intervalFor(state.range) : 'day'}
        filters={state.filters}
      />
      <div className="grid-2">
        <BreakdownPanel
          id="commerce-channels"
          title={t('commerce.byChannel')}
          tabs={['channel']}
          metrics={BY_CHANNEL}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
        <BreakdownPanel
          id="commerce-products"
          title={t('commerce.byProduct')}
          tabs={['product', 'productCategory']}
          metrics={BY_PRODUCT}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
        <section className="card panel" aria-labelledby="buyers-title" data-panel="buyers">
          <div className="panel-head">
            <h2 id="buyers-title">{t('commerce.buyers')}</h2>
            <CsvButton
              what={t('commerce.buyers')}
              name={csvName('commerce-buyers', totals.data?.from ?? '', totals.data?.to ?? '', ...state.filters.map(formatFilter))}
              header={['buyers', 'count']}
              rows={total ? buyers.map((b) => [b.metric, b.value]) : []}
            />
          </div>
          {total && (
            <BarChart
              title={t('commerce.buyers')}
              bars={buyers.map((b) => ({ label: b.label, value: b.value }))}
              formatValue={(v) => fmt.metric('buyers', v)}
            />
          )}
        </section>
      </div>
    </section>
  );
}
