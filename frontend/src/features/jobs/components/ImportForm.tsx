import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useCreateImport, type CreateImport, type ImportInput } from '../api/create-import';
import { useJob } from '../api/get-job';
import { enrichReport, importReport, isActive } from '../lib/jobs';

type SourceKind = 'upload' | 'url' | 's3';
type Format = 'ndjson' | 'csv' | 'segment';
type What = CreateImport['kind'] & string;

/** A starting CSV mapping per kind: the fields each kind reads, mapped to same-named columns. */
export const DEFAULT_COLUMNS: Record<What, string> = {
  events: '{"userId": "user_id", "type": "event", "timestamp": "time"}',
  catalog: '{"sku": "sku", "name": "name", "category": "category", "brand": "brand", "price": "price"}',
  traits: '{"email": "email", "traits.plan": "plan"}',
};

export function ImportForm() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const [kind, setKind] = useState<SourceKind>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState('');
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [what, setWhat] = useState<What>('events');
  const [format, setFormat] = useState<Format>('ndjson');
  const [columns, setColumns] = useState(DEFAULT_COLUMNS.events);
  const [mappingError, setMappingError] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [last, setLast] = useState<ImportInput | null>(null);
  const create = useCreateImport();
  const job = useJob(jobId);
  const report = job.data ? importReport(job.data) : null;
  const enriched = job.data ? enrichReport(job.data) : null;

  const build = (dryRun: boolean): ImportInput | null => {
    let mapping: CreateImport['mapping'] = null;
    if (format === 'csv') {
      try {
        mapping = { columns: JSON.parse(columns) as Record<string, string> };
        setMappingError(false);
      } catch {
        setMappingError(true);
        return null;
      }
    }
    const source: CreateImport['source'] | undefined =
      kind === 'url' ? { type: 'url', url } : kind === 's3' ? { type: 's3', bucket, key } : undefined;
    return { file: kind === 'upload' && file ? file : undefined, request: { kind: what, format, mapping, dryRun, source } };
  };
  const submit = (input: ImportInput | null) => {
    if (!input) return;
    setLast(input);
    create.mutate(input, { onSuccess: (j) => setJobId(j.id) });
  };

  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        submit(build(true));
      }}
    >
      <h2 id={`${id}-title`}>{t('jobs.import.title')}</h2>
      <p className="muted">{t('jobs.import.intro')}</p>
      <div className="field">
        <label htmlFor={`${id}-what`}>{t('enrichImports.what')}</label>
        <select
          id={`${id}-what`}
          value={what}
          onChange={(e) => {
            const next = e.target.value as What;
            setWhat(next);
            setColumns(DEFAULT_COLUMNS[next]);
            if (next !== 'events' && format === 'segment') setFormat('ndjson');
          }}
        >
          <option value="events">{t('enrichImports.kinds.events')}</option>
          <option value="catalog">{t('enrichImports.kinds.catalog')}</option>
          <option value="traits">{t('enrichImports.kinds.traits')}</option>
        </select>
        {what !== 'events' && <p className="muted">{t(`enrichImports.help.${what}`)}</p>}
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>{t('jobs.import.source')}</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as SourceKind)}>
          <option value="upload">{t('jobs.import.sources.upload')}</option>
          <option value="url">{t('jobs.import.sources.url')}</option>
          <option value="s3">{t('jobs.import.sources.s3')}</option>
        </select>
      </div>
      {kind === 'upload' && (
        <div className="field">
          <label htmlFor={`${id}-file`}>{t('jobs.import.file')}</label>
          <input id={`${id}-file`} type="file" required accept=".ndjson,.jsonl,.json,.csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
      )}
      {kind === 'url' && (
        <div className="field">
          <label htmlFor={`${id}-url`}>{t('jobs.import.url')}</label>
          <input id={`${id}-url`} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
      )}
      {kind === 's3' && (
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
          {what === 'events' && <option value="segment">{t('jobs.import.formats.segment')}</option>}
        </select>
      </div>
      {format === 'csv' && (
        <div className="field">
          <label htmlFor={`${id}-columns`}>{what === 'events' ? t('jobs.import.columns') : t('enrichImports.columns')}</label>
          <textarea id={`${id}-columns`} rows={3} value={columns} onChange={(e) => setColumns(e.target.value)} />
          {mappingError && (
            <p role="alert" className="state state-error">
              {t('jobs.import.badColumns')}
            </p>
          )}
        </div>
      )}
      <button type="submit" className="button" disabled={create.isPending}>
        {t('jobs.import.dryRun')}
      </button>
      {create.isError && <ErrorMessage error={create.error} />}
      {jobId && job.data && isActive(job.data) && <Loading label={t('jobs.import.running')} />}
      {job.data?.status === 'failed' && (
        <p role="alert" className="state state-error">
          {t('jobs.import.failed', { error: job.data.error ?? '' })}
        </p>
      )}
      {enriched && (
        <section className="report" aria-label={t('jobs.import.report')} role="status">
          <h3>{enriched.dryRun ? t('jobs.import.dryRunReport') : t('jobs.import.runReport')}</h3>
          <dl className="profile">
            <dt>{t('jobs.import.lines')}</dt>
            <dd data-field="lines">{f.integer(enriched.lines)}</dd>
            <dt>{t('enrichImports.valid')}</dt>
            <dd data-field="valid">{f.integer(enriched.valid)}</dd>
            <dt>{t('jobs.import.invalid')}</dt>
            <dd data-field="invalid">{f.integer(enriched.invalid)}</dd>
            {enriched.kind === 'catalog' && (
              <>
                <dt>{t('enrichImports.created')}</dt>
                <dd data-field="created">{f.integer(enriched.created)}</dd>
              </>
            )}
            <dt>{t('enrichImports.changed')}</dt>
            <dd data-field="changed">{f.integer(enriched.changed)}</dd>
            <dt>{t('enrichImports.unchanged')}</dt>
            <dd data-field="unchanged">{f.integer(enriched.unchanged)}</dd>
            {enriched.kind === 'traits' && (
              <>
                <dt>{t('enrichImports.skipped')}</dt>
                <dd data-field="skipped">{f.integer(enriched.skipped)}</dd>
              </>
            )}
          </dl>
          {enriched.errors.length > 0 && (
            <ul className="errors">
              {enriched.errors.map((e) => (
                <li key={`${e.line}-${e.code}`}>{t('jobs.import.lineError', { line: e.line, message: e.message })}</li>
              ))}
            </ul>
          )}
          {enriched.dryRun && last && (
            <button
              type="button"
              className="button"
              disabled={create.isPending}
              onClick={() => submit({ ...last, request: { ...last.request, dryRun: false } })}
            >
              {t('jobs.import.run')}
            </button>
          )}
        </section>
      )}
      {report && (
        <section className="report" aria-label={t('jobs.import.report')} role="status">
          <h3>{report.dryRun ? t('jobs.import.dryRunReport') : t('jobs.import.runReport')}</h3>
          <dl className="profile">
            <dt>{t('jobs.import.lines')}</dt>
            <dd data-field="lines">{f.integer(report.lines)}</dd>
            <dt>{t('jobs.import.valid')}</dt>
            <dd data-field="valid">{f.integer(report.valid)}</dd>
            <dt>{t('jobs.import.invalid')}</dt>
            <dd data-field="invalid">{f.integer(report.invalid)}</dd>
            {!report.dryRun && (
              <>
                <dt>{t('jobs.import.stored')}</dt>
                <dd data-field="stored">{f.integer(report.stored)}</dd>
                <dt>{t('jobs.import.duplicates')}</dt>
                <dd data-field="duplicates">{f.integer(report.duplicates)}</dd>
              </>
            )}
          </dl>
          {report.errors.length > 0 && (
            <ul className="errors">
              {report.errors.map((e) => (
                <li key={`${e.line}-${e.code}`}>{t('jobs.import.lineError', { line: e.line, message: e.message })}</li>
              ))}
            </ul>
          )}
          {report.dryRun && last && (
            <button
              type="button"
              className="button"
              disabled={create.isPending}
              onClick={() => submit({ ...last, request: { ...last.request, dryRun: false } })}
            >
              {t('jobs.import.run')}
            </button>
          )}
        </section>
      )}
    </form>
  );
}
