import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router-dom';
import { hasRole, sessionEnd, useSession, type Role } from '@/shared/auth/session';
import { ErrorMessage, Loading } from '@/shared/components/States';

/** Signed-in pages: otherwise off to sign-in, remembering where the person was. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading />;
  if (session.isError) return <ErrorMessage error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) {
    const from = `${location.pathname}${location.search}`;
    const end = sessionEnd();
    const state = { from: end === 'signedOut' ? '/' : from, expired: end === 'expired' };
    return <Navigate to="/sign-in" replace state={state} />;
  }
  return <>{children}</>;
}

/** Pages for a role and up; others see a refusal (the API refuses them too). */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { t } = useTranslation();
  const session = useSession();
  if (!hasRole(session.data, role)) {
    return (
      <section className="page" aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">{t('forbidden.title')}</h1>
        <p role="alert" className="state state-error">
          {t('forbidden.text', { role: t(`roles.${role}`) })}
        </p>
      </section>
    );
  }
  return <>{children}</>;
}
