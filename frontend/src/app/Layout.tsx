import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router-dom';
import { useLogout } from '@/features/auth/api/logout';
import { hasRole, useSession, type Role } from '@/shared/auth/session';
import { LANGUAGES, setLanguage, type Language } from '@/shared/i18n';

const NAV: { to: string; key: string; role: Role }[] = [
  { to: '/', key: 'nav.overview', role: 'viewer' },
  { to: '/commerce', key: 'nav.commerce', role: 'viewer' },
  { to: '/users', key: 'nav.users', role: 'viewer' },
  { to: '/funnels', key: 'nav.funnels', role: 'viewer' },
  { to: '/live', key: 'nav.live', role: 'viewer' },
  { to: '/retention', key: 'nav.retention', role: 'viewer' },
  { to: '/attribution', key: 'nav.attribution', role: 'viewer' },
  { to: '/segments', key: 'nav.segments', role: 'viewer' },
  { to: '/jobs', key: 'nav.jobs', role: 'analyst' },
  { to: '/test-event', key: 'nav.testEvent', role: 'analyst' },
  { to: '/admin', key: 'nav.admin', role: 'admin' },
];

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t('language.label')}</label>
      <select id={id} value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const logout = useLogout();
  const me = session.data;
  return (
    <>
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('nav.label')} className="mainnav">
          <ul>
            {NAV.filter((n) => hasRole(me, n.role)).map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.to === '/'}>
                  {t(n.key)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <LanguagePicker />
          {me && (
            <>
              <span className="who">
                {t('account.signedInAs', { email: me.email, role: t(`roles.${me.role}`) })}
              </span>
              <button type="button" className="button secondary" onClick={() => logout.mutate()}>
                {t('account.signOut')}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
