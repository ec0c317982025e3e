import { useTranslation } from 'react-i18next';
import { useFormat } from '@/shared/lib/format';
import type { FunnelReport } from '../api/compute-funnel';
import { formatWait, funnelRows } from '../lib/funnel';

export function FunnelChart({ report }: { report: FunnelReport }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const rows = funnelRows(report);
  return (
    <ol className="funnel" aria-label={t('funnels.result')}>
      {rows.map((r) => (
        <li key={r.step} className="funnel-step" data-step={r.step} data-entered={r.entered}>
          <div className="funnel-head">
            <span className="funnel-name">{t('funnels.stepName', { n: r.step, type: r.type })}</span>
            <span className="funnel-count">{t('funnels.users', { count: r.entered, formatted: f.integer(r.entered) })}</span>
          </div>
          <svg viewBox="0 0 100 8" preserveAspectRatio="none" className="funnel-bar" aria-hidden="true">
            <rect x={0} y={0} width={100} height={8} className="funnel-track" />
            <rect x={0} y={0} width={r.width} height={8} className="funnel-fill" />
          </svg>
          {r.medianSeconds !== null && r.medianSeconds !== undefined && (
            <p className="funnel-median" data-median={r.medianSeconds}>
              {t('funnels.median', { wait: formatWait(r.medianSeconds, i18n.language) })}
            </p>
          )}
          <p className="funnel-meta">
            {r.step === 1
              ? t('funnels.entered')
              : t('funnels.conversion', {
                  previous: f.percent(r.fromPrevious),
                  start: f.percent(r.fromStart),
                  lost: f.integer(r.lostBefore),
                })}
          </p>
        </li>
      ))}
    </ol>
  );
}
