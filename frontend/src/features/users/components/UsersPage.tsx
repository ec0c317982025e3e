import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { SegmentPicker } from '@/shared/segments/SegmentPicker';
import { useSegmentParam } from '@/shared/segments/segments';
import { useUsers, usersCsvUrl, type SortDir, type SortKey } from '../api/list-users';
import { summarize } from '../lib/sessions';

const PAGE_SIZE = 25;
const COLUMNS: { key: SortKey; numeric?: boolean }[] = [
  { key: 'userId' },
  { key: 'firstSeen' },
  { key: 'lastSeen' },
  { key: 'eventCount', numeric: true },
];
const SORT_KEYS: readonly string[] = COLUMNS.map((c) => c.key);

/** Search, sort and order live in the URL, so a view of the list can be shared. */
function useListState() {
  const [params, setParams] = useSearchParams();
  const sortParam = params.get('sort') ?? '';
  const sort: SortKey = SORT_KEYS.includes(sortParam) ? (sortParam as SortKey) : 'lastSeen';
  const order: SortDir = params.get('order') === 'asc' ? 'asc' : 'desc';
  const q = params.get('q') ?? '';
  const update = (next: { q?: string; sort?: SortKey; order?: SortDir }) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p, { replace: true });
  };
  return { q, sort, order, update };
}

export function UsersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const { q, sort, order, update } = useListState();
  const [input, setInput] = useState(q);
  // Cursors of the pages before the current one; the current page's cursor is last.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const [segment] = useSegmentParam();
  const users = useUsers({ q, sort, order, cursor, limit: PAGE_SIZE, segment });

  useEffect(() => {
    const timer = window.setTimeout(() => {
      if (input.trim() !== q) {
        update({ q: input.trim() });
        setCursors([null]);
      }
    }, 300);
    return () => window.clearTimeout(timer);
    // `update` changes with every render of the URL; the input alone drives the search.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [input]);

  const rows = users.data?.items ?? [];
  const toggle = (key: SortKey) => {
    update({ sort: key, order: sort === key && order === 'desc' ? 'asc' : 'desc' });
    setCursors([null]);
  };

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
        <SegmentPicker onChange={() => setCursors([null])} />
        <a className="button secondary small" href={usersCsvUrl({ q, sort, order, segment })} download="users.csv">
          {t('users.csv')}
        </a>
      </header>
      {users.isPending && <Loading />}
      {users.isError && <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />}
      {users.data && (
        <p className="muted" data-testid="users-total">
          {t('users.total', { count: users.data.total, formatted: f.integer(users.data.total) })}
        </p>
      )}
      {users.data && rows.length === 0 && <Empty>{q ? t('users.noMatch') : t('users.empty')}</Empty>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table aria-busy={users.isFetching}>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    className={c.numeric ? 'num' : undefined}
                    aria-sort={sort === c.key ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button type="button" className="sort" onClick={() => toggle(c.key)}>
                      {t(`users.col.${c.key}`)}
                      <span aria-hidden="true">{sort === c.key ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  </th>
                ))}
                <th scope="col">{t('users.col.lastEventType')}</th>
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
