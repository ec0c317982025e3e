import { useTranslation } from 'react-i18next';
import { hasRole, useSession } from '@/shared/auth/session';
import { ExportForm } from './ExportForm';
import { ImportForm } from './ImportForm';
import { JobsTable } from './JobsTable';
import { SchedulesPanel } from './SchedulesPanel';

export function JobsPage() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <section aria-labelledby="jobs-title" className="page">
      <h1 id="jobs-title">{t('jobs.title')}</h1>
      <div className="grid-2">
        <ExportForm />
        <ImportForm />
      </div>
      {hasRole(session.data, 'admin') && <SchedulesPanel />}
      <JobsTable />
    </section>
  );
}
