import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '@/shared/api/client';
import { useSession } from '@/shared/auth/session';
import { ErrorMessage } from '@/shared/components/States';
import { useLogin } from '../api/login';

/** Where to go after signing in: the page the person was on, never another site. */
export function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : '/';
}

export function SignInPage() {
  const { t } = useTranslation();
  const id = useId();
  const location = useLocation();
  const navigate = useNavigate();
  const session = useSession();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const target = returnPath(location.state);

  if (session.data) return <Navigate to={target} replace />;

  const invalid = login.error instanceof ApiError && login.error.status === 401;
  return (
    <main id="main" className="sign-in">
      <form
        className="card sign-in-card"
        aria-labelledby={`${id}-title`}
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate({ email, password }, { onSuccess: () => navigate(target, { replace: true }) });
        }}
      >
        <h1 id={`${id}-title`}>{t('signIn.title')}</h1>
        {(location.state as { expired?: boolean } | null)?.expired && (
          <p className="notice" role="status">
            {t('signIn.expired')}
          </p>
        )}
        <label htmlFor={`${id}-email`}>{t('signIn.email')}</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor={`${id}-password`}>{t('signIn.password')}</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {invalid ? (
          <p className="state state-error" role="alert">
            {t('signIn.invalid')}
          </p>
        ) : (
          login.error && <ErrorMessage error={login.error} />
        )}
        <button type="submit" className="button" disabled={login.isPending}>
          {login.isPending ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
