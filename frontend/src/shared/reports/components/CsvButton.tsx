import { useTranslation } from 'react-i18next';
import { downloadCsv, toCsv, type Cell } from '../lib/csv';

/** Downloads what a chart or table shows as CSV, made in the browser. */
export function CsvButton({ name, header, rows, what }: { name: string; header: string[]; rows: Cell[][]; what: string }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="button secondary small"
      aria-label={t('reports.csvOf', { what })}
      disabled={rows.length === 0}
      onClick={() => downloadCsv(name, toCsv(header, rows))}
    >
      {t('reports.csv')}
    </button>
  );
}
