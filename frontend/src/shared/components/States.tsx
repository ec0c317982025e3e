import { useTranslation } from 'react-i18next';
import { ApiError } from '@/shared/api/client';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {label ?? t('common.loading')}
    </p>
  );
}

/** Error text for people: the API's code when it has a translation, else a generic line. */
export function useErrorText() {
  const { t } = useTranslation();
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      if (error.status === 0) return t('errors.network');
      const key = `errors.codes.${error.code}`;
      const known = t(key, { defaultValue: '' });
      if (known) return known;
      if (error.status === 403) return t('errors.forbidden');
      if (error.status === 429) return t('errors.rateLimited');
      if (error.status >= 500) return t('errors.server');
      return t('errors.request', { status: error.status });
    }
    return t('errors.unexpected');
  };
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  return (
    <div className="state state-error" role="alert">
      <p>{text(error)}</p>
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}
