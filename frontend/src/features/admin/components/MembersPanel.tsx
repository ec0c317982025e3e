import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession, type Role } from '@/shared/auth/session';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useCreateMember } from '../api/create-member';
import { useMembers } from '../api/list-members';
import { useUpdateMember } from '../api/update-member';

const ROLES: Role[] = ['viewer', 'analyst', 'admin'];

export function MembersPanel() {
  const { t } = useTranslation();
  const f = useFormat();
  const members = useMembers();
  const update = useUpdateMember();
  const me = useSession().data;

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">{t('admin.members.title')}</h2>
      {members.isPending && <Loading />}
      {members.isError && <ErrorMessage error={members.error} onRetry={() => void members.refetch()} />}
      {update.isError && <ErrorMessage error={update.error} />}
      {members.data && members.data.length === 0 && <Empty>{t('admin.members.empty')}</Empty>}
      {members.data && members.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.members.email')}</th>
                <th scope="col">{t('admin.members.name')}</th>
                <th scope="col">{t('admin.members.role')}</th>
                <th scope="col">{t('admin.members.lastLogin')}</th>
                <th scope="col">{t('admin.members.status')}</th>
                <th scope="col">{t('admin.members.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => {
                const self = m.id === me?.id;
                return (
                  <tr key={m.id}>
                    <td>{m.email}</td>
                    <td>{m.displayName}</td>
                    <td>
                      <select
                        aria-label={t('admin.members.roleOf', { email: m.email })}
                        value={m.role}
                        disabled={self || update.isPending}
                        onChange={(e) => update.mutate({ id: m.id, role: e.target.value as Role })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {t(`roles.${r}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>{m.lastLoginAt ? f.dateTime(m.lastLoginAt) : t('common.never')}</td>
                    <td>{m.disabled ? t('admin.members.disabled') : t('admin.members.active')}</td>
                    <td>
                      <button
                        type="button"
                        className="button secondary"
                        disabled={self || update.isPending}
                        onClick={() => update.mutate({ id: m.id, disabled: !m.disabled })}
                      >
                        {m.disabled
                          ? t('admin.members.enable', { email: m.email })
                          : t('admin.members.disable', { email: m.email })}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <CreateMemberForm />
    </section>
  );
}

function CreateMemberForm() {
  const { t } = useTranslation();
  const id = useId();
  const create = useCreateMember();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  return (
    <form
      className="inline-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          { email, displayName: displayName || null, role, password },
          {
            onSuccess: () => {
              setEmail('');
              setDisplayName('');
              setPassword('');
            },
          },
        );
      }}
    >
      <h3 id={`${id}-title`}>{t('admin.members.invite')}</h3>
      <div className="field">
        <label htmlFor={`${id}-email`}>{t('admin.members.email')}</label>
        <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('admin.members.name')}</label>
        <input id={`${id}-name`} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-role`}>{t('admin.members.role')}</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>{t('admin.members.password')}</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <button type="submit" className="button" disabled={create.isPending}>
        {t('admin.members.create')}
      </button>
      {create.isError && <ErrorMessage error={create.error} />}
      {create.isSuccess && (
        <p role="status" className="notice">
          {t('admin.members.created', { email: create.data.email })}
        </p>
      )}
    </form>
  );
}
