import { useTranslation } from 'react-i18next';
import { NavLink, Navigate, useParams } from 'react-router-dom';
import { AuditPanel } from './AuditPanel';
import { MembersPanel } from './MembersPanel';
import { WriteKeysPanel } from './WriteKeysPanel';

const TABS = ['members', 'write-keys', 'audit'] as const;
type Tab = (typeof TABS)[number];

export function AdminPage() {
  const { t } = useTranslation();
  const { tab } = useParams();
  if (!TABS.includes(tab as Tab)) return <Navigate to="/admin/members" replace />;
  return (
    <section aria-labelledby="admin-title" className="page">
      <h1 id="admin-title">{t('admin.title')}</h1>
      <nav className="tabs" aria-label={t('admin.sections')}>
        {TABS.map((x) => (
          <NavLink key={x} to={`/admin/${x}`} className="tab">
            {t(`admin.tabs.${x}`)}
          </NavLink>
        ))}
      </nav>
      {tab === 'members' && <MembersPanel />}
      {tab === 'write-keys' && <WriteKeysPanel />}
      {tab === 'audit' && <AuditPanel />}
    </section>
  );
}
