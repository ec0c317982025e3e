import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { addDays, today } from '@/shared/lib/dates';

export interface Range {
  from: string;
  to: string;
}

const PRESETS = [7, 30, 90] as const;

export function presetRange(days: number, now: Date = new Date()): Range {
  const to = today(now);
  return { from: addDays(to, -(days - 1)), to };
}

/** `today` (YYYY-MM-DD) anchors the presets; reports pass the shop's local day. */
export function DateRange({ value, onChange, today: anchor }: { value: Range; onChange: (r: Range) => void; today?: string }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset className="date-range">
      <legend>{t('range.legend')}</legend>
      <div className="presets" role="group" aria-label={t('range.presets')}>
        {PRESETS.map((n) => (
          <button key={n} type="button" className="button secondary" onClick={() => onChange(anchor ? { from: addDays(anchor, -(n - 1)), to: anchor } : presetRange(n))}>
            {t('range.lastDays', { count: n })}
          </button>
        ))}
      </div>
      <label htmlFor={`${id}-from`}>{t('range.from')}</label>
      <input
        id={`${id}-from`}
        type="date"
        value={value.from}
        max={value.to}
        required
        onChange={(e) => e.target.value && onChange({ ...value, from: e.target.value })}
      />
      <label htmlFor={`${id}-to`}>{t('range.to')}</label>
      <input
        id={`${id}-to`}
        type="date"
        value={value.to}
        min={value.from}
        required
        onChange={(e) => e.target.value && onChange({ ...value, to: e.target.value })}
      />
    </fieldset>
  );
}
