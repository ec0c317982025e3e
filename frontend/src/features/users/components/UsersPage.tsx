import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useUsers } from '../api/list-users';
import { summarize } from '../lib/sessions';
import { sortUsers, type SortDir, type SortKey } from '../lib/sort';

const PAGE_SIZE = 25;
const COLUMNS: { key: SortKey; numeric?: boolean }[] = [
  { key: 'userId' },
  { key: 'firstSeen' },
  { key: 'lastSeen' },
  { key: 'eventCount', numeric: true },
  { key: 'lastEventType' },
];

export function UsersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  // Cursors of the pages before the current one; the current page's cursor is last.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'lastSeen', dir: 'desc' });
  const cursor = cursors[cursors.length - 1] ?? null;
  const users = useUsers({ q, cursor, limit: PAGE_SIZE });

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setQ(input.trim());
      setCursors([null]);
    }, 300);
    return () => window.clearTimeout(timer);
  }, [input]);

  const rows = users.data ? sortUsers(users.data.items, sort.key, sort.dir) : [];
  const toggle = (key: SortKey) =>
    setSort((s) => ({ key, dir: s.key === key && s.dir === 'desc' ? 'asc' : 'desc' }));

  return (
    <section aria-labelledby="users-title" className="page">
      <header className="page-header">
        <h1 id="users-title">{t('users.title')}</h1>
        <div className="field">
          <label htmlFor={`${id}-q`}>{t('users.search')}</label>
          <input
            id={`${id}-q`}
            type="search"
            value={input}
            placeholder={t('users.searchPlaceholder')}
            onChange={(e) => setInput(e.target.value)}
          />
        </div>
      </header>
      {users.isPending && <Loading />}
      {users.isError && <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />}
      {users.data && rows.length === 0 && <Empty>{q ? t('users.noMatch') : t('users.empty')}</Empty>}
      {rows.length > 0 && (
        <>
          <p className="muted">{t('users.sortNote')}</p>
          <div className="table-wrap">
            <table aria-busy={users.isFetching}>
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th
                      key={c.key}
                      scope="col"
                      className={c.numeric ? 'num' : undefined}
                      aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                    >
                      <button type="button" className="sort" onClick={() => toggle(c.key)}>
                        {t(`users.col.${c.key}`)}
                        <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                      </button>
                    </th>
                  ))}
                  <th scope="col">{t('users.col.traits')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((u) => (
                  <tr key={u.userId}>
                    <td>
                      <Link to={`/users/${encodeURIComponent(u.userId)}`}>{u.userId}</Link>
                      {u.anonymous && <span className="badge">{t('users.anonymous')}</span>}
                    </td>
                    <td>{f.dateTime(u.firstSeen)}</td>
                    <td>{f.dateTime(u.lastSeen)}</td>
                    <td className="num">{f.integer(u.eventCount)}</td>
                    <td>{u.lastEventType}</td>
                    <td className="traits">{summarize(u.traits, 3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <nav className="pager" aria-label={t('users.pagination')}>
        <button
          type="button"
          className="button secondary"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          {t('common.previous')}
        </button>
        <span>{t('users.page', { page: cursors.length })}</span>
        <button
          type="button"
          className="button secondary"
          disabled={!users.data?.nextCursor}
          onClick={() => {
            const next = users.data?.nextCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          {t('common.next')}
        </button>
      </nav>
    </section>
  );
}
