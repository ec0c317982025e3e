import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { DateRange } from '@/shared/components/DateRange';
import { SegmentPicker } from '@/shared/segments/SegmentPicker';
import type { ReportFormat } from '../lib/metrics';
import type { Range } from '../lib/params';

/** The range picker with the shop's time zone beside it, and when the figures were fetched. */
export function ReportBar({
  range,
  today,
  timeZone,
  onRange,
  updatedAt,
  fetching,
  fmt,
}: {
  range: Range | null;
  today: string | undefined;
  timeZone: string | undefined;
  onRange: (r: Range) => void;
  updatedAt: number;
  fetching: boolean;
  fmt: ReportFormat;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  return (
    <div className="report-bar">
      {range && <DateRange value={range} onChange={onRange} today={today} />}
      <SegmentPicker />
      {timeZone && (
        <p className="zone" data-zone={timeZone}>
          {t('reports.zone', { zone: timeZone })}
        </p>
      )}
      <p className="refreshed">
        {fetching ? t('reports.refreshing') : updatedAt > 0 ? t('reports.updatedAt', { time: fmt.time(updatedAt) }) : ''}{' '}
        <button type="button" className="button secondary small" onClick={() => void client.invalidateQueries({ queryKey: ['reports'] })}>
          {t('reports.refresh')}
        </button>
      </p>
    </div>
  );
}
