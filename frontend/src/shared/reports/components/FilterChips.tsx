import { useTranslation } from 'react-i18next';
import { valueLabel } from '../lib/labels';
import { formatFilter, type ReportFilter } from '../lib/params';

/** The active filters, each removable; they apply to every figure of the page. */
export function FilterChips({ filters, onRemove }: { filters: ReportFilter[]; onRemove: (f: ReportFilter) => void }) {
  const { t } = useTranslation();
  if (filters.length === 0) return null;
  return (
    <ul className="chips" aria-label={t('reports.filters')}>
      {filters.map((f) => {
        const text = t(`reports.op.${f.op}`, {
          dimension: t(`reports.dimension.${f.dimension}`),
          value: valueLabel(t, f.dimension, f.value),
        });
        return (
          <li key={formatFilter(f)} className="chip" data-filter={formatFilter(f)}>
            <span>{text}</span>
            <button type="button" className="chip-remove" aria-label={t('reports.removeFilter', { filter: text })} onClick={() => onRemove(f)}>
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
