import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ErrorMessage } from '@/shared/components/States';
import { useEraseUser } from '../api/erase-user';
import { userExportUrl } from '../api/export-user';

/** Admin actions on one person: download their data, or erase them (typed confirmation). */
export function PersonPrivacy({ userId }: { userId: string }) {
  const { t } = useTranslation();
  const id = useId();
  const erase = useEraseUser();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [suppress, setSuppress] = useState(false);
  const confirmed = typed === userId;

  return (
    <section aria-labelledby={`${id}-privacy`} className="card" data-person-privacy>
      <h2 id={`${id}-privacy`}>{t('privacy.title')}</h2>
      <p className="muted">{t('privacy.downloadIntro')}</p>
      <p>
        <a className="button secondary" href={userExportUrl(userId)} download>
          {t('privacy.download')}
        </a>
      </p>
      {erase.isSuccess ? (
        <p role="status" data-erase-job={erase.data.id}>
          {t('privacy.eraseQueued')} <Link to="/jobs">{t('privacy.followOnJobs')}</Link>
        </p>
      ) : !confirming ? (
        <button type="button" className="button danger" onClick={() => setConfirming(true)}>
          {t('privacy.erase')}
        </button>
      ) : (
        <form
          className="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            if (confirmed) erase.mutate({ id: userId, suppress });
          }}
        >
          <p>{t('privacy.eraseWarning')}</p>
          <div className="field">
            <label htmlFor={`${id}-confirm`}>{t('privacy.typeId', { id: userId })}</label>
            <input
              id={`${id}-confirm`}
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
          <div className="field checkbox">
            <input id={`${id}-suppress`} type="checkbox" checked={suppress} onChange={(e) => setSuppress(e.target.checked)} />
            <label htmlFor={`${id}-suppress`}>{t('privacy.suppress')}</label>
          </div>
          <div className="actions">
            <button type="submit" className="button danger" disabled={!confirmed || erase.isPending}>
              {erase.isPending ? t('common.loading') : t('privacy.eraseConfirm')}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setConfirming(false);
                setTyped('');
              }}
            >
              {t('common.cancel')}
            </button>
          </div>
          {erase.isError && <ErrorMessage error={erase.error} />}
        </form>
      )}
    </section>
  );
}
