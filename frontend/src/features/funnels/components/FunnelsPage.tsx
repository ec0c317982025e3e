import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { DateRange, presetRange } from '@/shared/components/DateRange';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { KNOWN_EVENT_TYPES } from '@/shared/lib/eventTypes';
import { SegmentPicker } from '@/shared/segments/SegmentPicker';
import { useSegmentParam } from '@/shared/segments/segments';
import { useFunnel } from '../api/compute-funnel';
import {
  BREAKDOWNS,
  COUNTS,
  DEFAULT_STEPS,
  MAX_STEPS,
  MIN_STEPS,
  readSettings,
  toRequest,
  WINDOW_UNITS,
  writeSettings,
  type FunnelSettings,
  type WindowUnit,
} from '../lib/funnel';
import { FunnelChart } from './FunnelChart';
import { FunnelBreakdown, FunnelDropOff, FunnelTrend, FunnelWarnings } from './FunnelDetails';
import { SavedFunnels } from './SavedFunnels';

function defaults(): FunnelSettings {
  const r = presetRange(30);
  return { steps: DEFAULT_STEPS, windowAmount: 1, windowUnit: 'days', from: r.from, to: r.to, count: 'unique', trend: false };
}

/** Funnels: the step editor and settings (kept in the URL), the answer, saved funnels. */
export function FunnelsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const shown = readSettings(params);
  const [segment] = useSegmentParam();
  const funnel = useFunnel(shown ? { ...toRequest(shown), ...(segment ? { segment } : {}) } : null);
  const apply = (s: FunnelSettings) => setParams((prev) => writeSettings(s, prev), { replace: false });

  return (
    <section aria-labelledby="funnels-title" className="page">
      <h1 id="funnels-title">{t('funnels.title')}</h1>
      <SavedFunnels current={shown} />
      <div className="report-bar">
        <SegmentPicker />
      </div>
      {/* A new URL (a saved funnel opened, back/forward) starts a fresh draft. */}
      <FunnelForm key={params.getAll('step').join('§') + params.get('saved')} initial={shown ?? defaults()} onRun={apply} pending={funnel.isFetching} />
      {funnel.isFetching && !funnel.data && <Loading />}
      {funnel.isError && <ErrorMessage error={funnel.error} onRetry={() => void funnel.refetch()} />}
      {!shown && <Empty>{t('funnels.idle')}</Empty>}
      {shown && funnel.data && (
        <>
          <FunnelWarnings warnings={funnel.data.warnings} />
          {funnel.data.steps[0]?.entered === 0 ? (
            <Empty>{t('funnels.empty')}</Empty>
          ) : (
            <>
              <div className="card">
                <FunnelChart report={funnel.data} />
              </div>
              {shown.breakdown && <FunnelBreakdown report={funnel.data} dimension={shown.breakdown} />}
              {shown.trend && <FunnelTrend report={funnel.data} />}
              <FunnelDropOff report={funnel.data} />
            </>
          )}
        </>
      )}
    </section>
  );
}

function FunnelForm({ initial, onRun, pending }: { initial: FunnelSettings; onRun: (s: FunnelSettings) => void; pending: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const [s, setS] = useState<FunnelSettings>(initial);
  const range = { from: s.from ?? presetRange(30).from, to: s.to ?? presetRange(30).to };
  const setStep = (i: number, change: (step: FunnelSettings['steps'][number]) => FunnelSettings['steps'][number]) =>
    setS((x) => ({ ...x, steps: x.steps.map((step, j) => (j === i ? change(step) : step)) }));
  const dropOff = s.dropOff !== undefined && s.dropOff < s.steps.length - 1 ? s.dropOff : undefined;

  return (
    <form
      className="card funnel-form"
      onSubmit={(e) => {
        e.preventDefault();
        onRun({ ...s, ...range, dropOff });
      }}
    >
      <fieldset>
        <legend>{t('funnels.steps')}</legend>
        <datalist id={`${id}-types`}>
          {KNOWN_EVENT_TYPES.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <ol className="step-list">
          {s.steps.map((step, i) => (
            <li key={i} className="step-row" data-step={i + 1}>
              <label htmlFor={`${id}-step-${i}`}>{t('funnels.step', { n: i + 1 })}</label>
              <input
                id={`${id}-step-${i}`}
                list={`${id}-types`}
                required
                value={step.event}
                onChange={(e) => setStep(i, (x) => ({ ...x, event: e.target.value }))}
              />
              <button
                type="button"
                className="button secondary"
                disabled={s.steps.length <= MIN_STEPS}
                aria-label={t('funnels.removeStep', { n: i + 1 })}
                onClick={() => setS((x) => ({ ...x, steps: x.steps.filter((_, j) => j !== i) }))}
              >
                {t('common.remove')}
              </button>
              {step.filters.map((f, k) => (
                <span key={k} className="step-filter">
                  <label htmlFor={`${id}-step-${i}-filter-${k}`}>{t('funnels.filter', { n: i + 1, k: k + 1 })}</label>
                  <input
                    id={`${id}-step-${i}-filter-${k}`}
                    placeholder="property.sku:SKU-1"
                    value={f}
                    onChange={(e) => setStep(i, (x) => ({ ...x, filters: x.filters.map((g, j) => (j === k ? e.target.value : g)) }))}
                  />
                  <button
                    type="button"
                    className="button secondary"
                    aria-label={t('funnels.removeFilter', { n: i + 1, k: k + 1 })}
                    onClick={() => setStep(i, (x) => ({ ...x, filters: x.filters.filter((_, j) => j !== k) }))}
                  >
                    {t('common.remove')}
                  </button>
                </span>
              ))}
              <button
                type="button"
                className="button secondary"
                aria-label={t('funnels.addFilterTo', { n: i + 1 })}
                onClick={() => setStep(i, (x) => ({ ...x, filters: [...x.filters, ''] }))}
              >
                {t('funnels.addFilter')}
              </button>
            </li>
          ))}
        </ol>
        <p className="muted">{t('funnels.filterHelp')}</p>
        <button
          type="button"
          className="button secondary"
          disabled={s.steps.length >= MAX_STEPS}
          onClick={() => setS((x) => ({ ...x, steps: [...x.steps, { event: '', filters: [] }] }))}
        >
          {t('funnels.addStep')}
        </button>
      </fieldset>
      <fieldset className="window">
        <legend>{t('funnels.window')}</legend>
        <label htmlFor={`${id}-amount`}>{t('funnels.windowAmount')}</label>
        <input
          id={`${id}-amount`}
          type="number"
          min={1}
          required
          value={s.windowAmount}
          onChange={(e) => setS((x) => ({ ...x, windowAmount: Number(e.target.value) }))}
        />
        <label htmlFor={`${id}-unit`}>{t('funnels.windowUnit')}</label>
        <select id={`${id}-unit`} value={s.windowUnit} onChange={(e) => setS((x) => ({ ...x, windowUnit: e.target.value as WindowUnit }))}>
          {(Object.keys(WINDOW_UNITS) as WindowUnit[]).map((u) => (
            <option key={u} value={u}>
              {t(`funnels.units.${u}`)}
            </option>
          ))}
        </select>
      </fieldset>
      <fieldset className="funnel-options">
        <legend>{t('funnels.options')}</legend>
        <label htmlFor={`${id}-breakdown`}>{t('funnels.breakdown')}</label>
        <select id={`${id}-breakdown`} value={s.breakdown ?? ''} onChange={(e) => setS((x) => ({ ...x, breakdown: e.target.value || undefined }))}>
          <option value="">{t('funnels.noBreakdown')}</option>
          {BREAKDOWNS.map((d) => (
            <option key={d} value={d}>
              {t(`funnels.dimensions.${d}`)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-count`}>{t('funnels.count')}</label>
        <select id={`${id}-count`} value={s.count} onChange={(e) => setS((x) => ({ ...x, count: e.target.value as FunnelSettings['count'] }))}>
          {COUNTS.map((c) => (
            <option key={c} value={c}>
              {t(`funnels.counts.${c}`)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-dropoff`}>{t('funnels.dropOff')}</label>
        <select
          id={`${id}-dropoff`}
          value={dropOff ?? ''}
          onChange={(e) => setS((x) => ({ ...x, dropOff: e.target.value === '' ? undefined : Number(e.target.value) }))}
        >
          <option value="">{t('funnels.noDropOff')}</option>
          {s.steps.slice(0, -1).map((step, i) => (
            <option key={i} value={i}>
              {t('funnels.stepName', { n: i + 1, type: step.event })}
            </option>
          ))}
        </select>
        <label className="checkbox">
          <input type="checkbox" checked={s.trend} onChange={(e) => setS((x) => ({ ...x, trend: e.target.checked }))} />
          {t('funnels.trend')}
        </label>
      </fieldset>
      <DateRange value={range} onChange={(r) => setS((x) => ({ ...x, ...r }))} />
      <button type="submit" className="button" disabled={pending}>
        {t('funnels.run')}
      </button>
    </form>
  );
}
