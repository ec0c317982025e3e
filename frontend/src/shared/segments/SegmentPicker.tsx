import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useSegmentParam, useSegments } from './segments';

/** Narrows the page to a saved segment's members; the choice lives in the URL. */
export function SegmentPicker({ onChange }: { onChange?: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [segment, setSegment] = useSegmentParam();
  const segments = useSegments();
  const items = segments.data?.items ?? [];
  return (
    <div className="field segment-picker">
      <label htmlFor={id}>{t('segments.picker')}</label>
      <select
        id={id}
        value={segment ?? ''}
        onChange={(e) => {
          setSegment(e.target.value || null);
          onChange?.();
        }}
      >
        <option value="">{t('segments.everyone')}</option>
        {segment && !items.some((s) => s.id === segment) && <option value={segment}>{segment}</option>}
        {items.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </div>
  );
}
