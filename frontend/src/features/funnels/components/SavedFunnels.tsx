import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { hasRole, useSession } from '@/shared/auth/session';
import { ErrorMessage } from '@/shared/components/States';
import { useDeleteSavedFunnel, useSaveFunnel, useSavedFunnels } from '../api/saved-funnels';
import { fromRequest, toRequest, writeSettings, type FunnelSettings } from '../lib/funnel';

/** Open, save, update and delete saved funnels; the open one's id is in the URL (`saved`). */
export function SavedFunnels({ current }: { current: FunnelSettings | null }) {
  const { t } = useTranslation();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const list = useSavedFunnels();
  const save = useSaveFunnel();
  const remove = useDeleteSavedFunnel();
  const openId = params.get('saved') ?? '';
  const open = list.data?.items.find((f) => f.id === openId);
  const [name, setName] = useState('');
  // Viewers open saved funnels; analysts and admins save, update and delete them.
  const canWrite = hasRole(useSession().data, 'analyst');

  const openFunnel = (fid: string) => {
    const f = list.data?.items.find((x) => x.id === fid);
    setParams((prev) => {
      const next = f ? writeSettings(fromRequest(f.definition), prev) : new URLSearchParams(prev);
      if (f) next.set('saved', f.id);
      else next.delete('saved');
      return next;
    });
  };

  return (
    <div className="card saved-funnels" data-panel="saved-funnels">
      <label htmlFor={`${id}-open`}>{t('funnels.saved.open')}</label>
      <select id={`${id}-open`} value={open ? openId : ''} onChange={(e) => openFunnel(e.target.value)}>
        <option value="">{t('funnels.saved.none')}</option>
        {(list.data?.items ?? []).map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </select>
      {canWrite && current && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(
              { input: { name: name.trim(), definition: toRequest(current) } },
              {
                onSuccess: (f) => {
                  setName('');
                  setParams((prev) => {
                    const next = new URLSearchParams(prev);
                    next.set('saved', f.id);
                    return next;
                  });
                },
              },
            );
          }}
        >
          <label htmlFor={`${id}-name`}>{t('funnels.saved.name')}</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="button secondary" disabled={save.isPending}>
            {t('funnels.saved.saveNew')}
          </button>
        </form>
      )}
      {canWrite && current && open && (
        <>
          <button
            type="button"
            className="button secondary"
            disabled={save.isPending}
            onClick={() => save.mutate({ id: open.id, input: { name: open.name, definition: toRequest(current) } })}
          >
            {t('funnels.saved.update', { name: open.name })}
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={remove.isPending}
            onClick={() =>
              remove.mutate(open.id, {
                onSuccess: () =>
                  setParams((prev) => {
                    const next = new URLSearchParams(prev);
                    next.delete('saved');
                    return next;
                  }),
              })
            }
          >
            {t('funnels.saved.delete', { name: open.name })}
          </button>
        </>
      )}
      {save.isSuccess && <p role="status">{t('funnels.saved.done')}</p>}
      {(save.isError || remove.isError) && <ErrorMessage error={save.error ?? remove.error} />}
    </div>
  );
}
