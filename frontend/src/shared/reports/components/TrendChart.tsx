import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { LineChart } from '@/shared/components/LineChart';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useTimeseries } from '../api/get-timeseries';
import { csvName } from '../lib/csv';
import { figure, type Metric } from '../lib/metrics';
import { formatFilter, type Range, type ReportFilter } from '../lib/params';
import { useReportFormat } from '../lib/use-report-format';
import { CsvButton } from './CsvButton';

/** One metric over the range, bucket by bucket, with a picker and its CSV. */
export function TrendChart({
  id,
  metrics,
  metric,
  onMetric,
  range,
  interval,
  filters,
}: {
  id: string;
  metrics: readonly Metric[];
  metric: Metric;
  onMetric: (m: Metric) => void;
  range: Range | null;
  interval: 'hour' | 'day' | 'week';
  filters: ReportFilter[];
}) {
  const { t } = useTranslation();
  const pick = useId();
  const q = useTimeseries({ metrics: [metric], interval, range, filters, compare: true });
  const fmt = useReportFormat(q.data?.currency, q.data?.timeZone);
  const title = t('reports.trend', { metric: t(`reports.metric.${metric}`) });
  const points = q.data?.points ?? [];
  const previous = q.data?.previous ?? [];
  const rows = points.map((p, i) => [p.t, figure(p, metric), previous[i]?.t ?? null, figure(previous[i], metric)]);
  return (
    <section className="card trend" aria-labelledby={`${id}-title`} data-panel={id}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <div className="panel-tools">
          <label htmlFor={pick}>{t('reports.metricPicker')}</label>
          <select id={pick} value={metric} onChange={(e) => onMetric(e.target.value as Metric)}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {t(`reports.metric.${m}`)}
              </option>
            ))}
          </select>
          <CsvButton
            what={title}
            name={csvName(id, metric, q.data?.from ?? '', q.data?.to ?? '', ...filters.map(formatFilter))}
            header={[q.data?.interval ?? interval, metric, 'previousBucket', `previous_${metric}`]}
            rows={rows}
          />
        </div>
      </div>
      {q.isPending && <Loading />}
      {q.isError && <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />}
      {q.data &&
        (points.length === 0 ? (
          <Empty>{t('reports.empty')}</Empty>
        ) : (
          <LineChart
            title={title}
            points={points.map((p) => ({ label: p.t, value: figure(p, metric) ?? 0 }))}
            formatValue={(v) => fmt.metric(metric, v)}
            formatLabel={fmt.bucket}
            comparison={previous.length === points.length ? previous.map((p) => figure(p, metric) ?? 0) : undefined}
            legend={{ current: t('reports.legend.current'), comparison: t('reports.legend.previous') }}
          />
        ))}
    </section>
  );
}
