import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { BarChart } from '@/shared/components/BarChart';
import { DateRange, presetRange, type Range } from '@/shared/components/DateRange';
import { LineChart } from '@/shared/components/LineChart';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { addDays, isDay, today } from '@/shared/lib/dates';
import { useFormat } from '@/shared/lib/format';
import { useStats } from '../api/get-stats';
import { buildKpis, previousPeriod } from '../lib/kpis';

export function OverviewPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const fallback = presetRange(30);
  const from = params.get('from');
  const to = params.get('to');
  const range: Range = isDay(from) && isDay(to) && from <= to ? { from, to } : fallback;
  const prev = previousPeriod(range);
  const now = today();
  const current = useStats(range.from, range.to);
  const previous = useStats(prev.from, prev.to);
  const last7 = useStats(addDays(now, -6), now);
  const last30 = useStats(addDays(now, -29), now);

  const kpis = current.data ? buildKpis(current.data, previous.data, last7.data, last30.data) : [];

  return (
    <section aria-labelledby="overview-title" className="page">
      <header className="page-header">
        <h1 id="overview-title">{t('overview.title')}</h1>
        <DateRange value={range} onChange={(r) => setParams({ from: r.from, to: r.to })} />
      </header>
      {current.isPending && <Loading />}
      {current.isError && <ErrorMessage error={current.error} onRetry={() => void current.refetch()} />}
      {current.data && (
        <>
          <p className="muted">
            {t('overview.comparedWith', { from: f.day(prev.from), to: f.day(prev.to) })}
          </p>
          <ul className="kpis" aria-label={t('overview.kpis')}>
            {kpis.map((k) => (
              <li key={k.id} className="card kpi" data-kpi={k.id}>
                <span className="kpi-label">{t(`overview.kpi.${k.id}`)}</span>
                <span className="kpi-value" data-value={k.value}>
                  {k.decimals ? f.decimal(k.value) : f.integer(k.value)}
                </span>
                {k.change !== null && (
                  <span className={`kpi-change ${k.change >= 0 ? 'up' : 'down'}`}>
                    {t('overview.change', { change: f.change(k.change) })}
                  </span>
                )}
              </li>
            ))}
          </ul>
          {current.data.totalEvents === 0 ? (
            <Empty>{t('overview.empty')}</Empty>
          ) : (
            <div className="grid-2">
              <section className="card" aria-labelledby="per-day-title">
                <h2 id="per-day-title">{t('overview.perDay')}</h2>
                <LineChart
                  title={t('overview.perDay')}
                  points={current.data.eventsPerDay.map((d) => ({ label: d.day, value: d.count }))}
                  formatValue={f.integer}
                  formatLabel={f.shortDay}
                />
              </section>
              <section className="card" aria-labelledby="per-type-title">
                <h2 id="per-type-title">{t('overview.perType')}</h2>
                <BarChart
                  title={t('overview.perType')}
                  bars={current.data.eventsPerType.map((x) => ({ label: x.type, value: x.count }))}
                  formatValue={f.integer}
                />
              </section>
              <section className="card" aria-labelledby="top-title">
                <h2 id="top-title">{t('overview.topTypes')}</h2>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('overview.rank')}</th>
                        <th scope="col">{t('overview.type')}</th>
                        <th scope="col" className="num">
                          {t('overview.events')}
                        </th>
                        <th scope="col" className="num">
                          {t('overview.share')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {current.data.topTypes.map((x, i) => (
                        <tr key={x.type}>
                          <td>{f.integer(i + 1)}</td>
                          <td>{x.type}</td>
                          <td className="num">{f.integer(x.count)}</td>
                          <td className="num">{f.percent(x.count / current.data.totalEvents)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
              <section className="card" aria-labelledby="dau-title">
                <h2 id="dau-title">{t('overview.dau')}</h2>
                <LineChart
                  title={t('overview.dau')}
                  points={current.data.dailyActiveUsers.map((d) => ({ label: d.day, value: d.count }))}
                  formatValue={f.integer}
                  formatLabel={f.shortDay}
                />
              </section>
            </div>
          )}
        </>
      )}
    </section>
  );
}
