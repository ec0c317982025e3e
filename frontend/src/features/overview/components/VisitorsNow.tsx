import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useFormat } from '@/shared/lib/format';
import { useVisitors } from '../api/get-visitors';

/** "Visitors in the last 5 minutes", with the way to the live view. */
export function VisitorsNow() {
  const { t } = useTranslation();
  const f = useFormat();
  const visitors = useVisitors();
  return (
    <p className="card kpi" data-testid="visitors-now">
      <span className="kpi-label">{t('overview.visitorsNow')}</span>
      <span className="kpi-value" data-value={visitors.data?.visitors ?? ''}>
        {visitors.data ? f.integer(visitors.data.visitors) : '–'}
      </span>
      <Link to="/live">{t('overview.openLive')}</Link>
    </p>
  );
}
