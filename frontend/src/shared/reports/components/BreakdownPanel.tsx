import { useTranslation } from 'react-i18next';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useBreakdown, type Row } from '../api/get-breakdown';
import { csvName } from '../lib/csv';
import { valueLabel } from '../lib/labels';
import { figure, type Metric } from '../lib/metrics';
import { formatFilter, type Dimension, type Range, type ReportFilter } from '../lib/params';
import { useReportFormat } from '../lib/use-report-format';
import { useUrlChoice } from '../lib/use-url-choice';
import { CsvButton } from './CsvButton';

/**
 * A breakdown with tabs (one dimension each): the top rows with their figures, a bar for the
 * first metric, a button per row that filters the whole page by it, and the CSV.
 */
export function BreakdownPanel({
  id,
  title,
  tabs,
  metrics,
  range,
  filters,
  onFilter,
  limit = 10,
}: {
  id: string;
  title: string;
  tabs: readonly Dimension[];
  metrics: readonly Metric[];
  range: Range | null;
  filters: ReportFilter[];
  onFilter: (f: ReportFilter) => void;
  limit?: number;
}) {
  const { t } = useTranslation();
  // The tab lives in the URL under the panel's id (`?sources=utmCampaign`).
  const [tab, setTab] = useUrlChoice<Dimension>(id, tabs, tabs[0]!);
  const q = useBreakdown({ dimension: tab, metrics, range, filters, limit });
  const fmt = useReportFormat(q.data?.currency, q.data?.timeZone);
  const rows: Row[] = q.data?.rows ?? [];
  const lead = metrics[0]!;
  const max = Math.max(0, ...rows.map((r) => figure(r, lead) ?? 0));
  const tabTitle = `${title} · ${t(`reports.dimension.${tab}`)}`;
  return (
    <section className="card panel" aria-labelledby={`${id}-title`} data-panel={id}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <CsvButton
          what={tabTitle}
          name={csvName(id, tab, q.data?.from ?? '', q.data?.to ?? '', ...filters.map(formatFilter))}
          header={[tab, ...metrics]}
          rows={rows.map((r) => [String(r.value ?? ''), ...metrics.map((m) => figure(r, m))])}
        />
      </div>
      {tabs.length > 1 && (
        <div className="tabs" role="tablist" aria-label={title}>
          {tabs.map((d) => (
            <button
              key={d}
              type="button"
              role="tab"
              id={`${id}-tab-${d}`}
              aria-selected={d === tab}
              aria-controls={`${id}-body`}
              className={`tab ${d === tab ? 'active' : ''}`}
              onClick={() => setTab(d)}
            >
              {t(`reports.dimension.${d}`)}
            </button>
          ))}
        </div>
      )}
      <div id={`${id}-body`} role={tabs.length > 1 ? 'tabpanel' : undefined} aria-labelledby={tabs.length > 1 ? `${id}-tab-${tab}` : undefined}>
        {q.isPending && <Loading />}
        {q.isError && <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />}
        {q.data &&
          (rows.length === 0 ? (
            <Empty>{t('reports.empty')}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="breakdown" data-dimension={tab}>
                <thead>
                  <tr>
                    <th scope="col">{t(`reports.dimension.${tab}`)}</th>
                    {metrics.map((m) => (
                      <th key={m} scope="col" className="num">
                        {t(`reports.metric.${m}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    const value = String(r.value ?? '');
                    // Product rows carry the catalog's name and category when it knows the SKU.
                    const named = tab === 'product' && typeof r.label === 'string' ? r.label : null;
                    const category = tab === 'product' && typeof r.category === 'string' ? r.category : null;
                    const label = named ?? valueLabel(t, tab, value);
                    const share = max > 0 ? ((figure(r, lead) ?? 0) / max) * 100 : 0;
                    return (
                      <tr key={value} data-value={value}>
                        <th scope="row" className="row-head">
                          <span className="row-bar" aria-hidden="true" style={{ width: `${share}%` }} />
                          <button
                            type="button"
                            className="row-filter"
                            title={t('reports.filterBy', { value: label })}
                            onClick={() => onFilter({ dimension: tab, op: 'is', value })}
                          >
                            {label}
                          </button>
                          {(named || category) && (
                            <span className="muted row-detail" data-field="catalog">
                              {[named ? value : null, category].filter(Boolean).join(' · ')}
                            </span>
                          )}
                        </th>
                        {metrics.map((m) => (
                          <td key={m} className="num" data-metric={m} data-value={figure(r, m) ?? ''}>
                            {fmt.metric(m, figure(r, m))}
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ))}
      </div>
    </section>
  );
}
