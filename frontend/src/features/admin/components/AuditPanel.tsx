import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useAudit, type AuditEntry } from '../api/list-audit';

/** Entries whose action, actor or target contains `q` (case-insensitive). */
export function filterAudit(entries: AuditEntry[], q: string): AuditEntry[] {
  const needle = q.trim().toLowerCase();
  if (!needle) return entries;
  return entries.filter((e) => [e.action, e.actor, e.target].some((v) => v.toLowerCase().includes(needle)));
}

export function AuditPanel() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const audit = useAudit();
  const [q, setQ] = useState('');
  const all = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const entries = filterAudit(all, q);
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.audit.title')}</h2>
      <div className="field">
        <label htmlFor={`${id}-q`}>{t('admin.audit.filter')}</label>
        <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      {audit.isPending && <Loading />}
      {audit.isError && <ErrorMessage error={audit.error} onRetry={() => void audit.refetch()} />}
      {audit.data && entries.length === 0 && <Empty>{t('admin.audit.empty')}</Empty>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.audit.at')}</th>
                <th scope="col">{t('admin.audit.actor')}</th>
                <th scope="col">{t('admin.audit.action')}</th>
                <th scope="col">{t('admin.audit.target')}</th>
                <th scope="col">{t('admin.audit.details')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{f.dateTime(e.at)}</td>
                  <td>{e.actor}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.target}</td>
                  <td className="traits">{JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          disabled={audit.isFetchingNextPage}
          onClick={() => void audit.fetchNextPage()}
        >
          {t('admin.audit.more')}
        </button>
      )}
    </section>
  );
}
