import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useParams } from 'react-router-dom';
import { ApiError } from '@/shared/api/client';
import { hasRole, useSession } from '@/shared/auth/session';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useEventTypes } from '../api/get-event-types';
import { useJourney, type JourneyFilter } from '../api/get-journey';
import { useUser } from '../api/get-user';
import { groupBySession, summarize } from '../lib/sessions';
import { PersonPrivacy } from './PersonPrivacy';

export function UserPage() {
  const { t } = useTranslation();
  const { userId = '' } = useParams();
  const user = useUser(userId);
  const f = useFormat();
  const location = useLocation();
  const mergedFrom = (location.state as { mergedFrom?: string } | null)?.mergedFrom;
  const session = useSession();
  const isAdmin = hasRole(session.data, 'admin');

  // An id that was merged into a person (an identified anonymous id) leads to that person.
  if (user.data?.mergedFrom && user.data.userId !== userId) {
    return (
      <Navigate
        replace
        to={`/users/${encodeURIComponent(user.data.userId)}`}
        state={{ mergedFrom: user.data.mergedFrom }}
      />
    );
  }

  return (
    <section aria-labelledby="user-title" className="page">
      <p>
        <Link to="/users">{t('user.back')}</Link>
      </p>
      <h1 id="user-title">{t('user.title', { id: userId })}</h1>
      {mergedFrom && (
        <p className="muted" data-merged-from={mergedFrom}>
          {t('user.mergedFrom', { id: mergedFrom })}
        </p>
      )}
      {user.isPending && <Loading />}
      {user.isError &&
        (user.error instanceof ApiError && user.error.status === 404 ? (
          <Empty>{t('user.notFound')}</Empty>
        ) : (
          <ErrorMessage error={user.error} onRetry={() => void user.refetch()} />
        ))}
      {user.data && (
        <div className="card">
          <h2>{t('user.profile')}</h2>
          <dl className="profile">
            <dt>{t('users.col.firstSeen')}</dt>
            <dd>{f.dateTime(user.data.firstSeen)}</dd>
            <dt>{t('users.col.lastSeen')}</dt>
            <dd>{f.dateTime(user.data.lastSeen)}</dd>
            <dt>{t('users.col.eventCount')}</dt>
            <dd>{f.integer(user.data.eventCount)}</dd>
            <dt>{t('users.col.lastEventType')}</dt>
            <dd>{user.data.lastEventType}</dd>
            <dt>{t('user.kind')}</dt>
            <dd>{user.data.anonymous ? t('users.anonymous') : t('user.identified')}</dd>
            <dt>{t('users.col.traits')}</dt>
            <dd>{Object.keys(user.data.traits).length ? summarize(user.data.traits, 20) : t('user.noTraits')}</dd>
          </dl>
        </div>
      )}
      {user.data && isAdmin && <PersonPrivacy userId={userId} />}
      {user.data && <Journey userId={userId} />}
    </section>
  );
}

function Journey({ userId }: { userId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const [filter, setFilter] = useState<JourneyFilter>({ type: '', from: '', to: '' });
  const journey = useJourney(userId, filter);
  const types = useEventTypes(userId);
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = journey;

  // Infinite scroll: load the next page when the end of the list comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && hasNextPage && !isFetchingNextPage) {
        void fetchNextPage();
      }
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const events = journey.data?.pages.flatMap((p) => p.items) ?? [];
  const groups = groupBySession(events);

  return (
    <section aria-labelledby={`${id}-journey`} className="card">
      <h2 id={`${id}-journey`}>{t('journey.title')}</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={`${id}-type`}>{t('journey.type')}</label>
          <select id={`${id}-type`} value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.target.value })}>
            <option value="">{t('journey.allTypes')}</option>
            {(types.data ?? []).map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>{t('range.from')}</label>
          <input id={`${id}-from`} type="date" value={filter.from} onChange={(e) => setFilter({ ...filter, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>{t('range.to')}</label>
          <input id={`${id}-to`} type="date" value={filter.to} onChange={(e) => setFilter({ ...filter, to: e.target.value })} />
        </div>
      </form>
      {journey.isPending && <Loading />}
      {journey.isError && <ErrorMessage error={journey.error} onRetry={() => void journey.refetch()} />}
      {journey.data && events.length === 0 && <Empty>{t('journey.empty')}</Empty>}
      <ol className="timeline" aria-label={t('journey.timeline')}>
        {groups.map((g) => (
          <li key={g.key} className="session">
            <h3 className="session-title">
              {g.sessionId ? t('journey.session', { id: g.sessionId }) : t('journey.noSession')}
              <span className="muted">
                {' '}
                {t('journey.span', { start: f.dateTime(g.start), end: f.time(g.end), count: g.events.length })}
              </span>
            </h3>
            <ol className="events">
              {g.events.map((e) => (
                <li key={e.eventId} className="event">
                  <time dateTime={e.occurredAt}>{f.time(e.occurredAt)}</time>
                  <span className="event-type">{e.type}</span>
                  <span className="event-props">{summarize(e.properties)}</span>
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
      <div ref={sentinel} />
      {journey.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          disabled={journey.isFetchingNextPage}
          onClick={() => void journey.fetchNextPage()}
        >
          {journey.isFetchingNextPage ? t('common.loading') : t('journey.more')}
        </button>
      )}
      {journey.data && !journey.hasNextPage && events.length > 0 && <p className="muted">{t('journey.end')}</p>}
    </section>
  );
}
