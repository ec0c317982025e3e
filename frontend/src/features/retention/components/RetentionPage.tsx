import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { LineChart } from '@/shared/components/LineChart';
import { ErrorMessage, Loading } from '@/shared/components/States';
import { KNOWN_EVENT_TYPES } from '@/shared/lib/eventTypes';
import { FilterChips } from '@/shared/reports/components/FilterChips';
import { ReportBar } from '@/shared/reports/components/ReportBar';
import { Unconverted } from '@/shared/reports/components/Unconverted';
import { todayIn } from '@/shared/reports/lib/params';
import { useReportFormat } from '@/shared/reports/lib/use-report-format';
import { useReportState } from '@/shared/reports/lib/use-report-state';
import { useUrlChoice } from '@/shared/reports/lib/use-url-choice';
import { useRetention, type RetentionInterval } from '../api/get-retention';
import { INTERVALS, MAX_PERIODS, readEvent, readPeriods } from '../lib/retention';
import { RetentionHeatmap } from './RetentionHeatmap';

/** Retention cohorts: settings (in the URL), the heatmap and the average curve. */
export function RetentionPage() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const state = useReportState();
  const [params, setParams] = useSearchParams();
  const [interval, setInterval] = useUrlChoice<RetentionInterval>('interval', INTERVALS, 'week');
  const periods = readPeriods(params.get('periods'));
  const cohortEvent = readEvent(params.get('cohortEvent'));
  const returning = readEvent(params.get('returning'));
  const setParam = (key: string, value: string, fallback: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value === fallback || value.trim() === '') next.delete(key);
        else next.set(key, value.trim());
        return next;
      },
      { replace: true },
    );
  const report = useRetention({ interval, periods, cohortEvent, returning, range: state.range, filters: state.filters });
  const fmt = useReportFormat(report.data?.currency, report.data?.timeZone);
  const shown = state.range ?? (report.data ? { from: report.data.from, to: report.data.to } : null);
  const pct = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 });
  const curve = (report.data?.curve ?? []).flatMap((v, k) =>
    v === null || v === undefined ? [] : [{ label: String(k), value: v }],
  );

  return (
    <section aria-labelledby="retention-title" className="page">
      <header className="page-header">
        <h1 id="retention-title">{t('retention.title')}</h1>
        <ReportBar
          range={shown}
          today={report.data ? todayIn(report.data.timeZone) : undefined}
          timeZone={report.data?.timeZone}
          onRange={state.setRange}
          updatedAt={report.dataUpdatedAt}
          fetching={report.isFetching}
          fmt={fmt}
        />
      </header>
      <form className="card retention-controls" onSubmit={(e) => e.preventDefault()}>
        <datalist id={`${id}-types`}>
          {KNOWN_EVENT_TYPES.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <label htmlFor={`${id}-interval`}>{t('retention.interval')}</label>
        <select id={`${id}-interval`} value={interval} onChange={(e) => setInterval(e.target.value as RetentionInterval)}>
          {INTERVALS.map((i) => (
            <option key={i} value={i}>
              {t(`retention.intervals.${i}`)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-periods`}>{t('retention.periods')}</label>
        <input
          id={`${id}-periods`}
          type="number"
          min={1}
          max={MAX_PERIODS}
          value={periods}
          onChange={(e) => setParam('periods', e.target.value, '8')}
        />
        <label htmlFor={`${id}-cohort`}>{t('retention.cohortEvent')}</label>
        <input
          key={`cohort-${cohortEvent}`}
          id={`${id}-cohort`}
          list={`${id}-types`}
          placeholder={t('retention.any')}
          defaultValue={cohortEvent === 'any' ? '' : cohortEvent}
          onBlur={(e) => setParam('cohortEvent', e.target.value, 'any')}
        />
        <label htmlFor={`${id}-returning`}>{t('retention.returning')}</label>
        <input
          key={`returning-${returning}`}
          id={`${id}-returning`}
          list={`${id}-types`}
          placeholder={t('retention.any')}
          defaultValue={returning === 'any' ? '' : returning}
          onBlur={(e) => setParam('returning', e.target.value, 'any')}
        />
      </form>
      <FilterChips filters={state.filters} onRemove={state.removeFilter} />
      {report.isPending && <Loading />}
      {report.isError && <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />}
      {report.data && (
        <>
          <section className="card panel" aria-labelledby="retention-curve-title" data-panel="retention-curve">
            <h2 id="retention-curve-title">{t('retention.curve')}</h2>
            {curve.length > 0 ? (
              <LineChart
                title={t('retention.curve')}
                points={curve}
                formatValue={(v) => pct.format(v)}
                formatLabel={(k) => t(`retention.period.${interval}`, { n: Number(k) })}
              />
            ) : (
              <p className="muted">{t('retention.noCurve')}</p>
            )}
          </section>
          <section className="card panel" aria-labelledby="retention-table-title" data-panel="retention-heatmap">
            <h2 id="retention-table-title">{t('retention.cohorts')}</h2>
            {report.data.cohorts.every((c) => c.size === 0) ? (
              <p className="muted">{t('retention.empty')}</p>
            ) : (
              <RetentionHeatmap report={report.data} fmt={fmt} />
            )}
            <Unconverted amounts={report.data.unconverted} />
          </section>
        </>
      )}
    </section>
  );
}
