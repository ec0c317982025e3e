import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { ErrorMessage, Loading } from '@/shared/components/States';
import { FilterChips } from '@/shared/reports/components/FilterChips';
import { ReportBar } from '@/shared/reports/components/ReportBar';
import { Unconverted } from '@/shared/reports/components/Unconverted';
import { valueLabel } from '@/shared/reports/lib/labels';
import { todayIn } from '@/shared/reports/lib/params';
import { useReportFormat } from '@/shared/reports/lib/use-report-format';
import { useReportState } from '@/shared/reports/lib/use-report-state';
import { useUrlChoice } from '@/shared/reports/lib/use-url-choice';
import { useAttribution, type AttributionFigures } from '../api/get-attribution';
import {
  DEFAULT_LOOKBACK,
  DIMENSIONS,
  FIGURES,
  MAX_LOOKBACK,
  MODELS,
  readLookback,
  type AttributionDimension,
  type AttributionFigure,
} from '../lib/attribution';

/** Attribution: orders credited to channels, campaigns or sources under every model, side by side. */
export function AttributionPage() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const state = useReportState();
  const [params, setParams] = useSearchParams();
  const [dimension, setDimension] = useUrlChoice<AttributionDimension>('dimension', DIMENSIONS, 'channel');
  const [figure, setFigure] = useUrlChoice<AttributionFigure>('figure', FIGURES, 'revenue');
  const lookbackDays = readLookback(params.get('lookbackDays'));
  const setLookback = (value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        const n = readLookback(value);
        if (n === DEFAULT_LOOKBACK) next.delete('lookbackDays');
        else next.set('lookbackDays', String(n));
        return next;
      },
      { replace: true },
    );
  const report = useAttribution({ dimension, lookbackDays, range: state.range, filters: state.filters });
  const fmt = useReportFormat(report.data?.currency, report.data?.timeZone);
  const shown = state.range ?? (report.data ? { from: report.data.from, to: report.data.to } : null);
  const dec = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  const show = (f: AttributionFigures | undefined) => {
    if (!f) return '—';
    return figure === 'revenue' ? fmt.metric('revenue', f.revenue) : dec.format(f[figure]);
  };

  return (
    <section aria-labelledby="attribution-title" className="page">
      <header className="page-header">
        <h1 id="attribution-title">{t('attribution.title')}</h1>
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
        <label htmlFor={`${id}-dimension`}>{t('attribution.dimension')}</label>
        <select id={`${id}-dimension`} value={dimension} onChange={(e) => setDimension(e.target.value as AttributionDimension)}>
          {DIMENSIONS.map((d) => (
            <option key={d} value={d}>
              {t(`attribution.dimensions.${d}`)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-lookback`}>{t('attribution.lookback')}</label>
        <input
          id={`${id}-lookback`}
          type="number"
          min={1}
          max={MAX_LOOKBACK}
          value={lookbackDays}
          onChange={(e) => setLookback(e.target.value)}
        />
        <label htmlFor={`${id}-figure`}>{t('attribution.figure')}</label>
        <select id={`${id}-figure`} value={figure} onChange={(e) => setFigure(e.target.value as AttributionFigure)}>
          {FIGURES.map((f) => (
            <option key={f} value={f}>
              {t(`attribution.figures.${f}`)}
            </option>
          ))}
        </select>
      </form>
      <FilterChips filters={state.filters} onRemove={state.removeFilter} />
      {report.isPending && <Loading />}
      {report.isError && <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />}
      {report.data && (
        <section className="card panel" aria-labelledby="attribution-table-title" data-panel="attribution">
          <h2 id="attribution-table-title">{t('attribution.byModel')}</h2>
          <p className="muted">{t('attribution.explain', { count: report.data.lookbackDays })}</p>
          {report.data.rows.length === 0 ? (
            <p className="muted">{t('attribution.empty')}</p>
          ) : (
            <table className="retention-table attribution-table">
              <caption>{t(`attribution.figures.${figure}`)}</caption>
              <thead>
                <tr>
                  <th scope="col">{t(`attribution.dimensions.${dimension}`)}</th>
                  {MODELS.map((m) => (
                    <th key={m} scope="col" title={t(`attribution.modelHelp.${m}`)}>
                      {t(`attribution.models.${m}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.data.rows.map((r) => (
                  <tr key={r.value} data-value={r.value}>
                    <th scope="row">{valueLabel(t, dimension, r.value)}</th>
                    {MODELS.map((m) => (
                      <td key={m} data-model={m} data-raw={r.models?.[m]?.[figure]}>
                        {show(r.models?.[m])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-value="(unattributed)">
                  <th scope="row">{t('attribution.unattributed')}</th>
                  {MODELS.map((m) => (
                    <td key={m} data-model={m} data-raw={report.data.unattributed[figure]}>
                      {show(report.data.unattributed)}
                    </td>
                  ))}
                </tr>
                <tr data-value="(total)">
                  <th scope="row">{t('attribution.total')}</th>
                  {MODELS.map((m) => (
                    <td key={m} data-model={m} data-raw={report.data.total[figure]}>
                      {show(report.data.total)}
                    </td>
                  ))}
                </tr>
              </tfoot>
            </table>
          )}
          <Unconverted amounts={report.data.unconverted} />
        </section>
      )}
    </section>
  );
}
