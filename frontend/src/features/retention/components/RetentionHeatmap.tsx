import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReportFormat } from '@/shared/reports/lib/metrics';
import type { RetentionReport } from '../api/get-retention';
import { heat, share } from '../lib/retention';

/** Cohorts down, periods across: the share of each cohort that came back in each period,
 * with the cohort's size and revenue (in the report's currency). */
export function RetentionHeatmap({ report, fmt }: { report: RetentionReport; fmt: ReportFormat }) {
  const { t, i18n } = useTranslation();
  const { pct, int } = useMemo(
    () => ({
      pct: new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 }),
      int: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 0 }),
    }),
    [i18n.language],
  );
  const periods = Array.from({ length: report.periods }, (_, k) => k);
  const interval = report.interval === 'day' || report.interval === 'month' ? report.interval : 'week';
  return (
    <div className="table-wrap">
      <table className="retention-table">
        <caption>{t('retention.heatmap')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('retention.cohort')}</th>
            <th scope="col">{t('retention.size')}</th>
            <th scope="col">{t('retention.revenue')}</th>
            {periods.map((k) => (
              <th scope="col" key={k}>
                {t(`retention.period.${interval}`, { n: k })}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.cohorts.map((c) => {
            const revenue = c.revenue.reduce((a, b) => a + b, 0);
            return (
              <tr key={c.cohort} data-cohort={c.cohort} data-size={c.size}>
                <th scope="row">{fmt.bucket(c.cohort)}</th>
                <td className="num">{int.format(c.size)}</td>
                <td className="num" data-revenue={revenue}>
                  {fmt.metric('revenue', revenue)}
                </td>
                {periods.map((k) => {
                  if (k >= c.returning.length) return <td key={k} className="retention-cell empty" aria-hidden="true" />;
                  const s = share(c, k);
                  const partial = c.partial && k === c.returning.length - 1;
                  return (
                    <td
                      key={k}
                      className={`retention-cell num heat-${heat(s)}${partial ? ' partial' : ''}`}
                      data-returning={c.returning[k]}
                      title={t('retention.cellTitle', {
                        count: c.returning[k],
                        people: int.format(c.returning[k] ?? 0),
                        size: int.format(c.size),
                        revenue: fmt.metric('revenue', c.revenue[k] ?? 0),
                      })}
                    >
                      {s === null ? '—' : pct.format(s)}
                      {partial && (
                        <span className="partial-mark" title={t('retention.partial')} aria-label={t('retention.partial')}>
                          *
                        </span>
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      {report.cohorts.some((c) => c.partial) && <p className="muted">{t('retention.partialNote')}</p>}
    </div>
  );
}
