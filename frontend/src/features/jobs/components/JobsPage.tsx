import { useTranslation } from 'react-i18next';
import { ExportForm } from './ExportForm';
import { ImportForm } from './ImportForm';
import { JobsTable } from './JobsTable';

export function JobsPage() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="jobs-title" className="page">
      <h1 id="jobs-title">{t('jobs.title')}</h1>
      <div className="grid-2">
        <ExportForm />
        <ImportForm />
      </div>
      <JobsTable />
    </section>
  );
}
