import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '@/shared/components/States';
import { useBreakdown } from '@/shared/reports/api/get-breakdown';
import { BreakdownPanel } from '@/shared/reports/components/BreakdownPanel';
import { FilterChips } from '@/shared/reports/components/FilterChips';
import { KpiCards } from '@/shared/reports/components/KpiCards';
import { ReportBar } from '@/shared/reports/components/ReportBar';
import { TrendChart } from '@/shared/reports/components/TrendChart';
import { Unconverted } from '@/shared/reports/components/Unconverted';
import type { Metric } from '@/shared/reports/lib/metrics';
import { intervalFor, previousPeriod, todayIn } from '@/shared/reports/lib/params';
import { useReportFormat } from '@/shared/reports/lib/use-report-format';
import { useUrlChoice } from '@/shared/reports/lib/use-url-choice';
import { useReportState } from '@/shared/reports/lib/use-report-state';
import { VisitorsNow } from './VisitorsNow';

const KPIS: readonly Metric[] = ['visitors', 'sessions', 'bounceRate', 'avgSessionSeconds', 'orders', 'revenue', 'aov', 'conversionRate'];
const TREND: readonly Metric[] = [...KPIS, 'pageviews', 'viewsPerSession'];
const PANEL: readonly Metric[] = ['visitors', 'sessions', 'bounceRate', 'conversionRate', 'revenue'];

/** The analyst's home: who came, from where, on what, and what they bought. */
export function OverviewPage() {
  const { t } = useTranslation();
  const state = useReportState();
  const [metric, setMetric] = useUrlChoice<Metric>('metric', TREND, 'visitors');
  // The totals come from a breakdown (its `total`); they also tell the range the API used
  // when the URL names none, and the shop's zone and currency.
  const totals = useBreakdown({ dimension: 'channel', metrics: KPIS, range: state.range, filters: state.filters, limit: 1 });
  const shown = state.range ?? (totals.data ? { from: totals.data.from, to: totals.data.to } : null);
  const prev = shown ? previousPeriod(shown) : null;
  const previous = useBreakdown({ dimension: 'channel', metrics: KPIS, range: prev, filters: state.filters, limit: 1 }, !!prev);
  const fmt = useReportFormat(totals.data?.currency, totals.data?.timeZone);

  return (
    <section aria-labelledby="overview-title" className="page">
      <header className="page-header">
        <h1 id="overview-title">{t('overview.title')}</h1>
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
      <VisitorsNow />
      <FilterChips filters={state.filters} onRemove={state.removeFilter} />
      {totals.isPending && <Loading />}
      {totals.isError && <ErrorMessage error={totals.error} onRetry={() => void totals.refetch()} />}
      {totals.data && (
        <>
          {prev && <p className="muted">{t('reports.comparedWith', { from: fmt.day(prev.from), to: fmt.day(prev.to) })}</p>}
          <KpiCards metrics={KPIS} current={totals.data.total} previous={previous.data?.total} fmt={fmt} />
          <Unconverted amounts={totals.data.unconverted} />
        </>
      )}
      <TrendChart
        id="overview-trend"
        metrics={TREND}
        metric={metric}
        onMetric={setMetric}
        range={state.range}
        interval={state.range ? intervalFor(state.range) : 'day'}
        filters={state.filters}
      />
      <div className="grid-2">
        <BreakdownPanel
          id="sources"
          title={t('reports.panel.sources')}
          tabs={['channel', 'utmSource', 'utmCampaign']}
          metrics={PANEL}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
        <BreakdownPanel
          id="pages"
          title={t('reports.panel.pages')}
          tabs={['landingPage', 'exitPage']}
          metrics={PANEL}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
        <BreakdownPanel
          id="locations"
          title={t('reports.panel.locations')}
          tabs={['country']}
          metrics={PANEL}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
        <BreakdownPanel
          id="devices"
          title={t('reports.panel.devices')}
          tabs={['device', 'browser', 'os']}
          metrics={PANEL}
          range={state.range}
          filters={state.filters}
          onFilter={state.addFilter}
        />
      </div>
    </section>
  );
}
