import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useChangeJob } from '../api/change-job';
import { useJobs, type Job, type JobFilter, type JobKind, type JobStatus } from '../api/list-jobs';
import { erasedPerson, importKind, isActive, isDryRun, jobDay, progressFraction } from '../lib/jobs';

const KINDS: JobKind[] = ['export', 'import', 'erase', 'purge'];
const STATUSES: JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function Progress({ job }: { job: Job }) {
  const { t } = useTranslation();
  const f = useFormat();
  const frac = progressFraction(job);
  const label = t('jobs.progressOf', { id: job.id });
  return (
    <div className="progress">
      {isActive(job) || frac !== null ? (
        <progress aria-label={label} max={1} value={frac ?? undefined} />
      ) : null}
      <span className="muted">
        {t('jobs.events', { count: job.progress.eventsProcessed, formatted: f.integer(job.progress.eventsProcessed) })}
      </span>
    </div>
  );
}

export function JobsTable() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const [filter, setFilter] = useState<JobFilter>({ kind: '', status: '' });
  const jobs = useJobs(filter);
  const change = useChangeJob();
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('jobs.history')}</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-kind`}>{t('jobs.kind')}</label>
          <select id={`${id}-kind`} value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: e.target.value as JobKind | '' })}>
            <option value="">{t('jobs.all')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`jobs.kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-status`}>{t('jobs.status')}</label>
          <select
            id={`${id}-status`}
            value={filter.status}
            onChange={(e) => setFilter({ ...filter, status: e.target.value as JobStatus | '' })}
          >
            <option value="">{t('jobs.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`jobs.statuses.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {jobs.isPending && <Loading />}
      {jobs.isError && <ErrorMessage error={jobs.error} onRetry={() => void jobs.refetch()} />}
      {change.isError && <ErrorMessage error={change.error} />}
      {jobs.data && items.length === 0 && <Empty>{t('jobs.empty')}</Empty>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('jobs.kind')}</th>
                <th scope="col">{t('jobs.what')}</th>
                <th scope="col">{t('jobs.status')}</th>
                <th scope="col">{t('jobs.created')}</th>
                <th scope="col">{t('jobs.progress')}</th>
                <th scope="col">{t('jobs.attempts')}</th>
                <th scope="col">{t('admin.members.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((j) => {
                const day = jobDay(j);
                const person = erasedPerson(j);
                return (
                  <tr key={j.id} data-job-kind={j.kind} data-job-status={j.status}>
                    <td>{t(`jobs.kinds.${j.kind}`)}</td>
                    <td>
                      {day
                        ? t('jobs.exportOf', { day: f.day(day) })
                        : person !== null
                          ? t('jobs.eraseOf', { id: person })
                          : isDryRun(j)
                          ? t('jobs.dryRun')
                          : t('jobs.importRun')}
                      {importKind(j) !== 'events' && <span className="muted"> · {t(`enrichImports.kinds.${importKind(j)}`)}</span>}
                    </td>
                    <td>
                      <span className={`badge status-${j.status}`}>{t(`jobs.statuses.${j.status}`)}</span>
                      {j.error && <span className="muted"> {j.error}</span>}
                    </td>
                    <td>{f.dateTime(j.createdAt)}</td>
                    <td>
                      <Progress job={j} />
                    </td>
                    <td className="num">
                      {t('jobs.attemptsOf', { attempts: j.attempts, max: j.maxAttempts })}
                    </td>
                    <td>
                      <div className="actions">
                      {(j.status === 'failed' || j.status === 'cancelled') && (
                        <button
                          type="button"
                          className="button secondary"
                          disabled={change.isPending}
                          onClick={() => change.mutate({ id: j.id, action: 'retry' })}
                        >
                          {t('jobs.retry')}
                        </button>
                      )}
                      {isActive(j) && !j.cancelRequested && (
                        <button
                          type="button"
                          className="button danger"
                          disabled={change.isPending}
                          onClick={() => change.mutate({ id: j.id, action: 'cancel' })}
                        >
                          {t('jobs.cancel')}
                        </button>
                      )}
                    </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {jobs.hasNextPage && (
        <button type="button" className="button secondary" disabled={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()}>
          {t('jobs.more')}
        </button>
      )}
    </section>
  );
}
