import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateRange, presetRange, type Range } from '@/shared/components/DateRange';
import { Empty, ErrorMessage, Loading } from '@/shared/components/States';
import { KNOWN_EVENT_TYPES } from '@/shared/lib/eventTypes';
import { useComputeFunnel } from '../api/compute-funnel';
import { windowSeconds, WINDOW_UNITS, type WindowUnit } from '../lib/funnel';
import { FunnelChart } from './FunnelChart';

const MIN_STEPS = 2;
const MAX_STEPS = 5;

export function FunnelsPage() {
  const { t } = useTranslation();
  const id = useId();
  const [steps, setSteps] = useState<string[]>(['product_view', 'add_to_cart', 'purchase']);
  const [amount, setAmount] = useState(1);
  const [unit, setUnit] = useState<WindowUnit>('days');
  const [range, setRange] = useState<Range>(() => presetRange(30));
  const funnel = useComputeFunnel();

  const setStep = (i: number, v: string) => setSteps((s) => s.map((x, j) => (j === i ? v : x)));

  return (
    <section aria-labelledby="funnels-title" className="page">
      <h1 id="funnels-title">{t('funnels.title')}</h1>
      <form
        className="card funnel-form"
        onSubmit={(e) => {
          e.preventDefault();
          funnel.mutate({
            steps: steps.map((s) => s.trim()),
            from: range.from,
            to: range.to,
            windowSeconds: windowSeconds(amount, unit),
          });
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
            {steps.map((s, i) => (
              <li key={i} className="step-row">
                <label htmlFor={`${id}-step-${i}`}>{t('funnels.step', { n: i + 1 })}</label>
                <input
                  id={`${id}-step-${i}`}
                  list={`${id}-types`}
                  required
                  value={s}
                  onChange={(e) => setStep(i, e.target.value)}
                />
                <button
                  type="button"
                  className="button secondary"
                  disabled={steps.length <= MIN_STEPS}
                  aria-label={t('funnels.removeStep', { n: i + 1 })}
                  onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}
                >
                  {t('common.remove')}
                </button>
              </li>
            ))}
          </ol>
          <button
            type="button"
            className="button secondary"
            disabled={steps.length >= MAX_STEPS}
            onClick={() => setSteps((s) => [...s, ''])}
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
            value={amount}
            onChange={(e) => setAmount(Number(e.target.value))}
          />
          <label htmlFor={`${id}-unit`}>{t('funnels.windowUnit')}</label>
          <select id={`${id}-unit`} value={unit} onChange={(e) => setUnit(e.target.value as WindowUnit)}>
            {(Object.keys(WINDOW_UNITS) as WindowUnit[]).map((u) => (
              <option key={u} value={u}>
                {t(`funnels.units.${u}`)}
              </option>
            ))}
          </select>
        </fieldset>
        <DateRange value={range} onChange={setRange} />
        <button type="submit" className="button" disabled={funnel.isPending}>
          {t('funnels.run')}
        </button>
      </form>
      {funnel.isPending && <Loading />}
      {funnel.isError && <ErrorMessage error={funnel.error} />}
      {funnel.isIdle && <Empty>{t('funnels.idle')}</Empty>}
      {funnel.data &&
        (funnel.data.steps[0]?.entered === 0 ? (
          <Empty>{t('funnels.empty')}</Empty>
        ) : (
          <div className="card">
            <FunnelChart report={funnel.data} />
          </div>
        ))}
    </section>
  );
}
