import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ErrorMessage } from '@/shared/components/States';
import { KNOWN_EVENT_TYPES } from '@/shared/lib/eventTypes';
import { useSendEvents } from '../api/send-event';
import { buildEvent, type PropertyRow } from '../lib/build-event';

export function TestEventPage() {
  const { t } = useTranslation();
  const id = useId();
  const send = useSendEvents();
  const [writeKey, setWriteKey] = useState('');
  const [type, setType] = useState('page_view');
  const [userId, setUserId] = useState('');
  const [rows, setRows] = useState<PropertyRow[]>([{ key: 'path', value: '/' }]);

  const setRow = (i: number, patch: Partial<PropertyRow>) =>
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <section aria-labelledby="test-title" className="page">
      <h1 id="test-title">{t('testEvent.title')}</h1>
      <p className="muted">{t('testEvent.intro')}</p>
      <p>
        <Link to="/live">{t('testEvent.watchLive')}</Link>
      </p>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate({
            writeKey: writeKey.trim(),
            events: [buildEvent({ type, userId, messageId: crypto.randomUUID(), rows })],
          });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-key`}>{t('testEvent.writeKey')}</label>
          <input
            id={`${id}-key`}
            type="password"
            autoComplete="off"
            required
            value={writeKey}
            onChange={(e) => setWriteKey(e.target.value)}
            aria-describedby={`${id}-key-help`}
          />
          <p id={`${id}-key-help`} className="muted">
            {t('testEvent.writeKeyHelp')}
          </p>
        </div>
        <datalist id={`${id}-types`}>
          {KNOWN_EVENT_TYPES.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <div className="field">
          <label htmlFor={`${id}-type`}>{t('testEvent.type')}</label>
          <input id={`${id}-type`} list={`${id}-types`} required value={type} onChange={(e) => setType(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-user`}>{t('testEvent.userId')}</label>
          <input id={`${id}-user`} required value={userId} onChange={(e) => setUserId(e.target.value)} />
        </div>
        <fieldset>
          <legend>{t('testEvent.properties')}</legend>
          {rows.map((r, i) => (
            <div key={i} className="prop-row">
              <label htmlFor={`${id}-k-${i}`}>{t('testEvent.key', { n: i + 1 })}</label>
              <input id={`${id}-k-${i}`} value={r.key} onChange={(e) => setRow(i, { key: e.target.value })} />
              <label htmlFor={`${id}-v-${i}`}>{t('testEvent.value', { n: i + 1 })}</label>
              <input id={`${id}-v-${i}`} value={r.value} onChange={(e) => setRow(i, { value: e.target.value })} />
              <button
                type="button"
                className="button secondary"
                aria-label={t('testEvent.removeRow', { n: i + 1 })}
                onClick={() => setRows((all) => all.filter((_, j) => j !== i))}
              >
                {t('common.remove')}
              </button>
            </div>
          ))}
          <button type="button" className="button secondary" onClick={() => setRows((all) => [...all, { key: '', value: '' }])}>
            {t('testEvent.addRow')}
          </button>
        </fieldset>
        <button type="submit" className="button" disabled={send.isPending}>
          {t('testEvent.send')}
        </button>
      </form>
      {send.isError && <ErrorMessage error={send.error} />}
      {send.data && (
        <section className="card" aria-labelledby={`${id}-result`} role="status">
          <h2 id={`${id}-result`}>{t('testEvent.result')}</h2>
          <p>
            {t('testEvent.summary', {
              accepted: send.data.accepted,
              duplicates: send.data.duplicates,
              rejected: send.data.rejected,
            })}
          </p>
          <ul className="results">
            {send.data.results.map((r, i) => (
              <li key={i} className={`result result-${r.status}`} data-status={r.status}>
                <strong>{t(`testEvent.status.${r.status}`)}</strong>
                {r.eventId && (
                  <>
                    {' '}
                    <code>{r.eventId}</code>
                  </>
                )}
                {r.reason && <span className="muted"> {t('testEvent.reason', { reason: r.reason.message })}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
