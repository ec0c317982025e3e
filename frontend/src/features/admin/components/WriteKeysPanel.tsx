import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useCreateWriteKey, WRITE_KEY_KINDS, type NewWriteKey, type WriteKeyKind } from '../api/create-write-key';
import { useWriteKeys } from '../api/list-write-keys';
import { useRevokeWriteKey } from '../api/revoke-write-key';
import { useRotateWriteKey } from '../api/rotate-write-key';
import { InstallSnippet } from './InstallSnippet';

export function WriteKeysPanel() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const keys = useWriteKeys();
  const create = useCreateWriteKey();
  const revoke = useRevokeWriteKey();
  const rotate = useRotateWriteKey();
  const [source, setSource] = useState('');
  const [kind, setKind] = useState<WriteKeyKind>('browser');
  const [secret, setSecret] = useState<NewWriteKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.keys.title')}</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { source, kind },
            {
              onSuccess: (k) => {
                setSecret(k);
                setSource('');
              },
            },
          );
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-source`}>{t('admin.keys.source')}</label>
          <input id={`${id}-source`} required value={source} onChange={(e) => setSource(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-kind`}>{t('admin.keys.kind')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            aria-describedby={`${id}-kind-help`}
            onChange={(e) => setKind(e.target.value as WriteKeyKind)}
          >
            {WRITE_KEY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`admin.keys.kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={create.isPending}>
          {t('admin.keys.create')}
        </button>
      </form>
      <p id={`${id}-kind-help`} className="muted">
        {t('admin.keys.kindHelp')}
      </p>
      {create.isError && <ErrorMessage error={create.error} />}
      {(revoke.isError || rotate.isError) && <ErrorMessage error={revoke.error ?? rotate.error} />}
      {secret && (
        <div className="secret" role="status">
          <p>{t('admin.keys.shownOnce', { source: secret.key.source })}</p>
          <label htmlFor={`${id}-secret`}>{t('admin.keys.secret')}</label>
          <input id={`${id}-secret`} readOnly value={secret.secret} onFocus={(e) => e.target.select()} />
          <InstallSnippet created={secret} />
          <button type="button" className="button secondary" onClick={() => setSecret(null)}>
            {t('admin.keys.done')}
          </button>
        </div>
      )}
      {keys.isPending && <Loading />}
      {keys.isError && <ErrorMessage error={keys.error} onRetry={() => void keys.refetch()} />}
      {keys.data && keys.data.length === 0 && <Empty>{t('admin.keys.empty')}</Empty>}
      {keys.data && keys.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.keys.source')}</th>
                <th scope="col">{t('admin.keys.kind')}</th>
                <th scope="col">{t('admin.keys.prefix')}</th>
                <th scope="col">{t('admin.keys.created')}</th>
                <th scope="col">{t('admin.keys.lastUsed')}</th>
                <th scope="col">{t('admin.keys.status')}</th>
                <th scope="col">{t('admin.members.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-key-source={k.source}>
                  <td>{k.source}</td>
                  <td>{t(`admin.keys.kinds.${k.kind}`)}</td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{f.dateTime(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? f.dateTime(k.lastUsedAt) : t('common.never')}</td>
                  <td>
                    {k.revokedAt
                      ? t('admin.keys.revokedAt', { at: f.dateTime(k.revokedAt) })
                      : t('admin.keys.active')}
                  </td>
                  <td>
                      <div className="actions">
                    {!k.revokedAt && confirming !== k.id && (
                      <>
                        <button
                          type="button"
                          className="button secondary"
                          disabled={rotate.isPending}
                          onClick={() => rotate.mutate(k.id, { onSuccess: setSecret })}
                        >
                          {t('admin.keys.rotate', { source: k.source })}
                        </button>
                        <button type="button" className="button danger" onClick={() => setConfirming(k.id)}>
                          {t('admin.keys.revoke', { source: k.source })}
                        </button>
                      </>
                    )}
                    {confirming === k.id && (
                      <>
                        <button
                          type="button"
                          className="button danger"
                          disabled={revoke.isPending}
                          onClick={() => revoke.mutate(k.id, { onSettled: () => setConfirming(null) })}
                        >
                          {t('admin.keys.confirmRevoke', { source: k.source })}
                        </button>
                        <button type="button" className="button secondary" onClick={() => setConfirming(null)}>
                          {t('common.cancel')}
                        </button>
                      </>
                    )}
                  </div>
                    </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
