import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Empty } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useLiveEvents, type LiveFilters } from '../api/live-events';

/** Events as they arrive, across every API instance, with type and person filters. */
export function LivePage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const [input, setInput] = useState<LiveFilters>({ types: '', user: '' });
  const [filters, setFilters] = useState<LiveFilters>(input);
  const [paused, setPaused] = useState(false);
  const { events, status } = useLiveEvents(filters, paused);

  // Reconnect once typing settles, not on every key.
  useEffect(() => {
    const timer = window.setTimeout(() => setFilters(input), 400);
    return () => window.clearTimeout(timer);
  }, [input]);

  return (
    <section aria-labelledby="live-title" className="page">
      <header className="page-header">
        <h1 id="live-title">{t('live.title')}</h1>
        <p className="muted" role="status" data-status={paused ? 'paused' : status}>
          {t(`live.status.${paused ? 'paused' : status}`)}
        </p>
      </header>
      <p className="muted">{t('live.intro')}</p>
      <div className="card filters">
        <div className="field">
          <label htmlFor={`${id}-types`}>{t('live.types')}</label>
          <input
            id={`${id}-types`}
            value={input.types}
            placeholder={t('live.typesPlaceholder')}
            onChange={(e) => setInput((s) => ({ ...s, types: e.target.value }))}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-user`}>{t('live.user')}</label>
          <input
            id={`${id}-user`}
            value={input.user}
            onChange={(e) => setInput((s) => ({ ...s, user: e.target.value }))}
          />
        </div>
        <button type="button" className="button secondary" onClick={() => setPaused((p) => !p)}>
          {paused ? t('live.resume') : t('live.pause')}
        </button>
      </div>
      {events.length === 0 ? (
        <Empty>{t('live.waiting')}</Empty>
      ) : (
        <div className="table-wrap">
          <table aria-live="polite">
            <thead>
              <tr>
                <th scope="col">{t('live.col.receivedAt')}</th>
                <th scope="col">{t('live.col.type')}</th>
                <th scope="col">{t('live.col.user')}</th>
                <th scope="col">{t('live.col.page')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => {
                const person = e.userId ?? e.anonymousId ?? '';
                return (
                  <tr key={e.eventId} data-event-id={e.eventId}>
                    <td>{f.time(e.receivedAt)}</td>
                    <td>{e.type}</td>
                    <td>{person && <Link to={`/users/${encodeURIComponent(person)}`}>{person}</Link>}</td>
                    <td>{e.derived?.page ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
