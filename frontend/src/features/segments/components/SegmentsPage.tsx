import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError } from '@/shared/api/client';
import { hasRole, useSession } from '@/shared/auth/session';
import { Empty, ErrorMessage, Loading, useErrorText } from '@/shared/components/States';
import { useFormat } from '@/shared/lib/format';
import { useSegments, type Segment } from '@/shared/segments/segments';
import { useCreateSegment } from '../api/create-segment';
import { useUpdateSegment } from '../api/update-segment';
import { useDeleteSegment } from '../api/delete-segment';
import { useMembers } from '../api/get-members';
import { ACTIONS, KINDS, PROFILE_FIELDS, SEGMENT_DIMENSIONS, TARGETS, TRAIT_OPS, emptyDraft, fromCondition, toCondition, type Draft, type Kind } from '../lib/draft';

/** Saved segments: the list with each one's member count, and a builder (analysts). */
export function SegmentsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canWrite = hasRole(session.data, 'analyst');
  const segments = useSegments();
  const items = segments.data?.items ?? [];
  // The segment being edited in the builder (`null`: the builder makes a new one).
  const [editing, setEditing] = useState<Segment | null>(null);
  return (
    <section aria-labelledby="segments-title" className="page">
      <header className="page-header">
        <h1 id="segments-title">{t('segments.title')}</h1>
      </header>
      <p className="muted">{t('segments.intro')}</p>
      {canWrite && <SegmentBuilder key={editing?.id ?? 'new'} segment={editing} onDone={() => setEditing(null)} />}
      {segments.isPending && <Loading />}
      {segments.isError && <ErrorMessage error={segments.error} onRetry={() => void segments.refetch()} />}
      {segments.data && items.length === 0 && <Empty>{t('segments.empty')}</Empty>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('segments.name')}</th>
                <th scope="col">{t('segments.conditions')}</th>
                <th scope="col" className="num">
                  {t('segments.members')}
                </th>
                <th scope="col">{t('segments.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <SegmentRow key={s.id} segment={s} canWrite={canWrite} onEdit={() => setEditing(s)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SegmentRow({ segment, canWrite, onEdit }: { segment: Segment; canWrite: boolean; onEdit: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const members = useMembers(segment.id);
  const remove = useDeleteSegment();
  const q = `segment=${encodeURIComponent(segment.id)}`;
  return (
    <tr data-segment={segment.name}>
      <td>{segment.name}</td>
      <td>
        <ul className="plain">
          {segment.conditions.map((c, i) => (
            <li key={i}>{describe(c, t)}</li>
          ))}
        </ul>
      </td>
      <td className="num" data-testid="segment-members">
        {members.data ? f.integer(members.data.total) : '…'}
      </td>
      <td>
        <Link to={`/users?${q}`}>{t('segments.showUsers')}</Link>{' '}
        <Link to={`/?${q}`}>{t('segments.showOverview')}</Link>{' '}
        {canWrite && (
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              onEdit();
              window.scrollTo({ top: 0 });
            }}
          >
            {t('segments.edit')}
          </button>
        )}{' '}
        {canWrite && (
          <button
            type="button"
            className="button secondary small"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(t('segments.confirmDelete', { name: segment.name }))) remove.mutate(segment.id);
            }}
          >
            {t('segments.delete')}
          </button>
        )}
      </td>
    </tr>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

/** One condition in words. */
function describe(c: Segment['conditions'][number], t: T): string {
  const not = c.negate ? t('segments.not') + ' ' : '';
  const range = (min?: number | null, max?: number | null) =>
    [min != null ? t('segments.atLeast', { n: min }) : '', max != null ? t('segments.atMost', { n: max }) : ''].filter(Boolean).join(', ');
  switch (c.kind) {
    case 'trait':
      return `${not}${c.key} ${t(`segments.ops.${c.op}`)} ${c.value ?? ''}`.trim();
    case 'profile':
      return `${not}${t(`segments.fields.${c.field}`)}: ${range(c.min, c.max)}`;
    case 'dimension':
      return `${not}${t('segments.visitWith', { dimension: c.dimension, value: c.value, days: c.lastDays ?? 30 })}`;
    case 'behaviour': {
      const what = c.event ? c.event : `${t(`segments.actionNames.${c.action ?? 'viewed'}`)} ${c.product ?? ''}`;
      return `${not}${what}: ${range(c.min, c.max)} ${t('segments.inDays', { days: c.lastDays ?? 30 })}`;
    }
  }
}

/** Builds a new segment, or with `segment` edits that one (saved in place: same id, so
 * links and pickers that name it keep working). */
function SegmentBuilder({ segment, onDone }: { segment: Segment | null; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const errorText = useErrorText();
  const [name, setName] = useState(segment?.name ?? '');
  const [drafts, setDrafts] = useState<Draft[]>(segment ? segment.conditions.map(fromCondition) : [emptyDraft()]);
  const create = useCreateSegment();
  const update = useUpdateSegment();
  const save = segment ? update : create;
  const change = (i: number, patch: Partial<Draft>) => setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <form
      className="card segment-builder"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        const input = { name, conditions: drafts.map(toCondition) };
        if (segment) {
          update.mutate({ id: segment.id, input }, { onSuccess: onDone });
        } else {
          create.mutate(input, {
            onSuccess: () => {
              setName('');
              setDrafts([emptyDraft()]);
            },
          });
        }
      }}
    >
      <h2 id={`${id}-title`}>{segment ? t('segments.editTitle', { name: segment.name }) : t('segments.new')}</h2>
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('segments.name')}</label>
        <input id={`${id}-name`} value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
      </div>
      {drafts.map((d, i) => (
        <fieldset key={i} className="segment-condition">
          <legend>{t('segments.condition', { n: i + 1 })}</legend>
          <Select id={`${id}-${i}-kind`} label={t('segments.kind')} value={d.kind} options={KINDS} names="segments.kinds" onChange={(v) => change(i, { ...emptyDraft(v as Kind), kind: v as Kind })} />
          {d.kind === 'behaviour' && (
            <>
              <Select id={`${id}-${i}-target`} label={t('segments.target')} value={d.target} options={TARGETS} names="segments.targets" onChange={(v) => change(i, { target: v as Draft['target'] })} />
              {d.target === 'event' ? (
                <Text id={`${id}-${i}-event`} label={t('segments.event')} value={d.event} onChange={(v) => change(i, { event: v })} />
              ) : (
                <>
                  <Text id={`${id}-${i}-product`} label={t('segments.product')} value={d.product} onChange={(v) => change(i, { product: v })} />
                  <Select id={`${id}-${i}-action`} label={t('segments.action')} value={d.action} options={ACTIONS} names="segments.actionNames" onChange={(v) => change(i, { action: v as Draft['action'] })} />
                </>
              )}
            </>
          )}
          {d.kind === 'dimension' && (
            <>
              <Select id={`${id}-${i}-dimension`} label={t('segments.dimension')} value={d.dimension} options={SEGMENT_DIMENSIONS} onChange={(v) => change(i, { dimension: v })} />
              <Text id={`${id}-${i}-value`} label={t('segments.value')} value={d.value} onChange={(v) => change(i, { value: v })} />
            </>
          )}
          {d.kind === 'trait' && (
            <>
              <Text id={`${id}-${i}-key`} label={t('segments.trait')} value={d.key} onChange={(v) => change(i, { key: v })} />
              <Select id={`${id}-${i}-op`} label={t('segments.op')} value={d.op} options={TRAIT_OPS} names="segments.ops" onChange={(v) => change(i, { op: v as Draft['op'] })} />
              {d.op !== 'exists' && <Text id={`${id}-${i}-value`} label={t('segments.value')} value={d.value} onChange={(v) => change(i, { value: v })} />}
            </>
          )}
          {d.kind === 'profile' && (
            <Select id={`${id}-${i}-field`} label={t('segments.field')} value={d.field} options={PROFILE_FIELDS} names="segments.fields" onChange={(v) => change(i, { field: v as Draft['field'] })} />
          )}
          {(d.kind === 'behaviour' || d.kind === 'profile') && (
            <>
              <Text id={`${id}-${i}-min`} label={t('segments.min')} value={d.min} type="number" onChange={(v) => change(i, { min: v })} />
              <Text id={`${id}-${i}-max`} label={t('segments.max')} value={d.max} type="number" onChange={(v) => change(i, { max: v })} />
            </>
          )}
          {(d.kind === 'behaviour' || d.kind === 'dimension') && (
            <Text id={`${id}-${i}-days`} label={t('segments.lastDays')} value={d.lastDays} type="number" onChange={(v) => change(i, { lastDays: v })} />
          )}
          <div className="field checkbox">
            <input id={`${id}-${i}-negate`} type="checkbox" checked={d.negate} onChange={(e) => change(i, { negate: e.target.checked })} />
            <label htmlFor={`${id}-${i}-negate`}>{t('segments.negate')}</label>
          </div>
          {drafts.length > 1 && (
            <button type="button" className="button secondary small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>
              {t('segments.removeCondition')}
            </button>
          )}
        </fieldset>
      ))}
      <p>
        <button type="button" className="button secondary" onClick={() => setDrafts((ds) => [...ds, emptyDraft()])}>
          {t('segments.addCondition')}
        </button>{' '}
        <button type="submit" className="button" disabled={save.isPending}>
          {segment ? t('segments.update') : t('segments.save')}
        </button>
        {segment && (
          <>
            {' '}
            <button type="button" className="button secondary" onClick={onDone}>
              {t('segments.cancel')}
            </button>
          </>
        )}
      </p>
      {save.isError && (
        <p role="alert" className="error">
          {save.error instanceof ApiError && save.error.code === 'invalid_segment'
            ? t('segments.invalid', { message: save.error.message })
            : errorText(save.error)}
        </p>
      )}
    </form>
  );
}

function Select({ id, label, value, options, names, onChange }: { id: string; label: string; value: string; options: readonly string[]; names?: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {names ? t(`${names}.${o}`) : o}
          </option>
        ))}
      </select>
    </div>
  );
}

function Text({ id, label, value, type = 'text', onChange }: { id: string; label: string; value: string; type?: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} min={type === 'number' ? 0 : undefined} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
