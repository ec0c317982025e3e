import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useFormat } from '@/shared/lib/format';
import type { FunnelReport } from '../api/compute-funnel';
import { formatWait } from '../lib/funnel';

/** Steps whose type was never seen, visits recorded before funnels could read them. */
export function FunnelWarnings({ warnings }: { warnings: string[] }) {
  const { t } = useTranslation();
  if (warnings.length === 0) return null;
  return (
    <div className="card warning" role="status" data-panel="funnel-warnings">
      <h2>{t('funnels.warnings')}</h2>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

/** The whole funnel per value of the breakdown: people per step and the end-to-end conversion. */
export function FunnelBreakdown({ report, dimension }: { report: FunnelReport; dimension: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const rows = report.breakdown ?? [];
  return (
    <section className="card panel" aria-labelledby="funnel-breakdown-title" data-panel="funnel-breakdown">
      <h2 id="funnel-breakdown-title">{t('funnels.breakdownTitle', { dimension: t(`funnels.dimensions.${dimension}`) })}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t(`funnels.dimensions.${dimension}`)}</th>
            {report.steps.map((s, i) => (
              <th scope="col" key={i}>
                {t('funnels.stepName', { n: i + 1, type: s.type })}
              </th>
            ))}
            <th scope="col">{t('funnels.overall')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.value} data-value={r.value}>
              <th scope="row">{r.value}</th>
              {r.steps.map((s, i) => (
                <td key={i} data-entered={s.entered}>
                  {f.integer(s.entered)}
                </td>
              ))}
              <td>{f.percent(r.steps[r.steps.length - 1]?.conversionFromStart ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Entries and full conversions per UTC day of entry. */
export function FunnelTrend({ report }: { report: FunnelReport }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section className="card panel" aria-labelledby="funnel-trend-title" data-panel="funnel-trend">
      <h2 id="funnel-trend-title">{t('funnels.trendTitle')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('funnels.day')}</th>
            <th scope="col">{t('funnels.enteredCol')}</th>
            <th scope="col">{t('funnels.convertedCol')}</th>
            <th scope="col">{t('funnels.conversionCol')}</th>
          </tr>
        </thead>
        <tbody>
          {(report.trend ?? []).map((p) => (
            <tr key={p.day}>
              <th scope="row">{f.day(p.day)}</th>
              <td>{f.integer(p.entered)}</td>
              <td>{f.integer(p.converted)}</td>
              <td>{f.percent(p.conversion)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Who reached a step but not the next, each linking to their journey. */
export function FunnelDropOff({ report }: { report: FunnelReport }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const d = report.dropOff;
  if (!d) return null;
  const step = report.steps[d.step];
  const next = report.steps[d.step + 1];
  return (
    <section className="card panel" aria-labelledby="funnel-dropoff-title" data-panel="funnel-drop-off">
      <h2 id="funnel-dropoff-title">
        {t('funnels.dropOffTitle', { step: step?.type ?? '', next: next?.type ?? '' })}
      </h2>
      <p className="muted">{t('funnels.dropOffTotal', { count: d.total, formatted: f.integer(d.total), shown: f.integer(d.people.length) })}</p>
      <ul className="drop-off-list">
        {d.people.map((p) => (
          <li key={p.id}>
            <Link to={`/users/${encodeURIComponent(p.id)}`}>{p.id}</Link>{' '}
            <span className="muted">{t('funnels.reachedAt', { at: f.dateTime(p.reachedAt) })}</span>
          </li>
        ))}
      </ul>
      {next?.medianSecondsToConvert != null && (
        <p className="muted">{t('funnels.median', { wait: formatWait(next.medianSecondsToConvert, i18n.language) })}</p>
      )}
    </section>
  );
}
