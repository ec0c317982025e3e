import { useTranslation } from 'react-i18next';
import { change, figure, type Metric, type ReportFormat } from '../lib/metrics';

// For these a fall is good news.
const LOWER_IS_BETTER: ReadonlySet<Metric> = new Set(['bounceRate']);

/** One card per metric: the range's figure and its change against the previous period. */
export function KpiCards({
  metrics,
  current,
  previous,
  fmt,
}: {
  metrics: readonly Metric[];
  current: Record<string, unknown> | undefined;
  previous: Record<string, unknown> | undefined;
  fmt: ReportFormat;
}) {
  const { t } = useTranslation();
  return (
    <ul className="kpis" aria-label={t('reports.kpis')}>
      {metrics.map((m) => {
        const value = figure(current, m);
        const delta = change(value, previous ? figure(previous, m) : undefined);
        const good = delta !== null && (LOWER_IS_BETTER.has(m) ? delta <= 0 : delta >= 0);
        return (
          <li key={m} className="card kpi" data-kpi={m}>
            <span className="kpi-label">{t(`reports.metric.${m}`)}</span>
            <span className="kpi-value" data-value={value ?? ''}>
              {fmt.metric(m, value)}
            </span>
            {delta !== null ? (
              <span className={`kpi-change ${good ? 'up' : 'down'}`} data-change={delta}>
                {t('reports.change', { change: fmt.change(delta) })}
              </span>
            ) : (
              <span className="kpi-change muted">{t('reports.noChange')}</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
