import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useCreateImportSchedule, type CreateImportSchedule } from '../api/create-import-schedule';
import { useDeleteImportSchedule } from '../api/delete-import-schedule';
import { useImportSchedules, type ImportSchedule } from '../api/list-import-schedules';
import { DEFAULT_COLUMNS } from './ImportForm';

type What = NonNullable<CreateImportSchedule['kind']>;
type Format = 'ndjson' | 'csv';

function sourceText(s: ImportSchedule['source']): string {
  return s.type === 'url' ? s.url : s.type === 's3' ? `s3://${s.bucket}/${s.key}` : s.uploadId;
}

/** Scheduled import sources (admins): the list, a form to add one, and a delete per row. */
export function SchedulesPanel() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const list = useImportSchedules(true);
  const create = useCreateImportSchedule();
  const remove = useDeleteImportSchedule();
  const [what, setWhat] = useState<What>('catalog');
  const [sourceKind, setSourceKind] = useState<'url' | 's3'>('url');
  const [url, setUrl] = useState('');
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [format, setFormat] = useState<Format>('ndjson');
  const [columns, setColumns] = useState(DEFAULT_COLUMNS.catalog);
  const [cron, setCron] = useState('0 0 6 * * *');
  const [mappingError, setMappingError] = useState(false);

  const submit = () => {
    let mapping: CreateImportSchedule['mapping'] = null;
    if (format === 'csv') {
      try {
        mapping = { columns: JSON.parse(columns) as Record<string, string> };
        setMappingError(false);
      } catch {
        setMappingError(true);
        return;
      }
    }
    const source: CreateImportSchedule['source'] = sourceKind === 'url' ? { type: 'url', url } : { type: 's3', bucket, key };
    create.mutate({ kind: what, source, format, mapping, cron });
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-panel="import-schedules">
      <h2 id={`${id}-title`}>{t('enrichImports.schedules.title')}</h2>
      <p className="muted">{t('enrichImports.schedules.intro')}</p>
      {list.isPending && <Loading />}
      {list.isError && <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && list.data.length === 0 && <Empty>{t('enrichImports.schedules.empty')}</Empty>}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('enrichImports.what')}</th>
                <th scope="col">{t('jobs.import.source')}</th>
                <th scope="col">{t('enrichImports.schedules.cron')}</th>
                <th scope="col">{t('jobs.created')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('common.remove')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id} data-schedule={s.id}>
                  <td>{t(`enrichImports.kinds.${s.kind}`)}</td>
                  <td>{sourceText(s.source)}</td>
                  <td>
                    <code>{s.cron}</code>
                  </td>
                  <td>{f.dateTime(s.createdAt)}</td>
                  <td>
                    <button type="button" className="button" disabled={remove.isPending} onClick={() => remove.mutate(s.id)}>
                      {t('common.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {remove.isError && <ErrorMessage error={remove.error} />}
      <form
        aria-label={t('enrichImports.schedules.add')}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-what`}>{t('enrichImports.what')}</label>
          <select
            id={`${id}-what`}
            value={what}
            onChange={(e) => {
              const next = e.target.value as What;
              setWhat(next);
              setColumns(DEFAULT_COLUMNS[next]);
            }}
          >
            <option value="events">{t('enrichImports.kinds.events')}</option>
            <option value="catalog">{t('enrichImports.kinds.catalog')}</option>
            <option value="traits">{t('enrichImports.kinds.traits')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-source`}>{t('jobs.import.source')}</label>
          <select id={`${id}-source`} value={sourceKind} onChange={(e) => setSourceKind(e.target.value as 'url' | 's3')}>
            <option value="url">{t('jobs.import.sources.url')}</option>
            <option value="s3">{t('jobs.import.sources.s3')}</option>
          </select>
        </div>
        {sourceKind === 'url' ? (
          <div className="field">
            <label htmlFor={`${id}-url`}>{t('jobs.import.url')}</label>
            <input id={`${id}-url`} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-bucket`}>{t('jobs.import.bucket')}</label>
              <input id={`${id}-bucket`} required value={bucket} onChange={(e) => setBucket(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-key`}>{t('jobs.import.key')}</label>
              <input id={`${id}-key`} required value={key} onChange={(e) => setKey(e.target.value)} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor={`${id}-format`}>{t('jobs.import.format')}</label>
          <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            <option value="ndjson">{t('jobs.import.formats.ndjson')}</option>
            <option value="csv">{t('jobs.import.formats.csv')}</option>
          </select>
        </div>
        {format === 'csv' && (
          <div className="field">
            <label htmlFor={`${id}-columns`}>{t('enrichImports.columns')}</label>
            <textarea id={`${id}-columns`} rows={3} value={columns} onChange={(e) => setColumns(e.target.value)} />
            {mappingError && (
              <p role="alert" className="state state-error">
                {t('jobs.import.badColumns')}
              </p>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-cron`}>{t('enrichImports.schedules.cron')}</label>
          <input id={`${id}-cron`} required value={cron} onChange={(e) => setCron(e.target.value)} />
          <p className="muted">{t('enrichImports.schedules.cronHelp')}</p>
        </div>
        <button type="submit" className="button" disabled={create.isPending}>
          {t('enrichImports.schedules.add')}
        </button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
    </section>
  );
}
