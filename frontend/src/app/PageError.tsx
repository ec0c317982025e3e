import { useTranslation } from 'react-i18next';
import { Link, useRouteError } from 'react-router-dom';

/**
 * Shown in place of one page whose rendering failed (a value the page could not display,
 * say): the navigation and every other page keep working.
 */
export function PageError() {
  const { t } = useTranslation();
  const error = useRouteError();
  // The details go to the browser console for whoever debugs; people get a plain message.
  console.error('A console page failed to render:', error);
  return (
    <section className="page" aria-labelledby="page-error-title" data-page-error>
      <h1 id="page-error-title">{t('pageError.title')}</h1>
      <div className="state state-error" role="alert">
        <p>{t('pageError.body')}</p>
        <button type="button" className="button secondary" onClick={() => window.location.reload()}>
          {t('common.retry')}
        </button>
      </div>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </section>
  );
}
