import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '@/shared/components/States';
import { addDays, today } from '@/shared/lib/dates';
import { useFormat } from '@/shared/lib/format';
import { useCreateExport } from '../api/create-export';

export function ExportForm() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const yesterday = addDays(today(), -1);
  const [date, setDate] = useState(yesterday);
  const create = useCreateExport();
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ date });
      }}
    >
      <h2 id={`${id}-title`}>{t('jobs.export.title')}</h2>
      <p className="muted">{t('jobs.export.intro')}</p>
      <div className="field">
        <label htmlFor={`${id}-date`}>{t('jobs.export.date')}</label>
        <input id={`${id}-date`} type="date" required max={yesterday} value={date} onChange={(e) => setDate(e.target.value)} />
      </div>
      <button type="submit" className="button" disabled={create.isPending}>
        {t('jobs.export.submit')}
      </button>
      {create.isError && <ErrorMessage error={create.error} />}
      {create.isSuccess && (
        <p role="status" className="notice">
          {t('jobs.export.queued', { day: f.day(date) })}
        </p>
      )}
    </form>
  );
}
