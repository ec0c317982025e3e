import { useTranslation } from 'react-i18next';

/** Revenue in currencies without a rate: listed on its own, never added into the figures. */
export function Unconverted({ amounts }: { amounts: Record<string, number> | undefined }) {
  const { t, i18n } = useTranslation();
  const entries = Object.entries(amounts ?? {});
  if (entries.length === 0) return null;
  const list = entries
    .map(([code, v]) => {
      try {
        return new Intl.NumberFormat(i18n.language, { style: 'currency', currency: code }).format(v);
      } catch {
        return `${v} ${code}`;
      }
    })
    .join(', ');
  return <p className="muted unconverted">{t('reports.unconverted', { list })}</p>;
}
