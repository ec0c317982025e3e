import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { reportFormat, type ReportFormat } from './metrics';

/** Formatting in the console's language and the report's currency and time zone. */
export function useReportFormat(currency = 'EUR', timeZone = 'UTC'): ReportFormat {
  const { i18n } = useTranslation();
  return useMemo(() => reportFormat(i18n.language, currency, timeZone), [i18n.language, currency, timeZone]);
}
