// From the API's answer to what the funnel chart draws.
import type { FunnelReport, FunnelRequest } from '../api/compute-funnel';

export interface FunnelRow {
  step: number;
  type: string;
  entered: number;
  /** Bar width relative to the first step, 0..100. */
  width: number;
  fromPrevious: number;
  fromStart: number;
  /** Users lost between the previous step and this one (0 for the first). */
  lostBefore: number;
  /** Median seconds from the previous step (null on the first step or when nobody reached it). */
  medianSeconds?: number | null;
}

export function funnelRows(report: FunnelReport): FunnelRow[] {
  const first = report.steps[0]?.entered ?? 0;
  return report.steps.map((s, i) => ({
    step: i + 1,
    type: s.type,
    entered: s.entered,
    width: first > 0 ? (s.entered / first) * 100 : 0,
    fromPrevious: s.conversionFromPrevious,
    fromStart: s.conversionFromStart,
    lostBefore: i === 0 ? 0 : (report.steps[i - 1]?.droppedOff ?? 0),
    medianSeconds: s.medianSecondsToConvert,
  }));
}

export const WINDOW_UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
export type WindowUnit = keyof typeof WINDOW_UNITS;

export function windowSeconds(amount: number, unit: WindowUnit): number {
  return Math.round(amount * WINDOW_UNITS[unit]);
}

/** A step being edited: an event type and its filters (`dimension:value`, `property.sku:SKU-1`). */
export interface StepDraft {
  event: string;
  filters: string[];
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 5;
export const DEFAULT_STEPS: StepDraft[] = ['product_view', 'add_to_cart', 'purchase'].map((event) => ({ event, filters: [] }));
/** Visit-level dimensions a funnel can be split by (the visit where each person entered). */
export const BREAKDOWNS = ['channel', 'utmSource', 'utmMedium', 'utmCampaign', 'referrer', 'landingPage', 'country', 'device', 'browser', 'os'] as const;
export const COUNTS = ['unique', 'total'] as const;

/** The settings a funnel's URL holds. */
export interface FunnelSettings {
  steps: StepDraft[];
  windowAmount: number;
  windowUnit: WindowUnit;
  from?: string;
  to?: string;
  breakdown?: string;
  count: (typeof COUNTS)[number];
  trend: boolean;
  dropOff?: number;
}

// A step in the URL: its type then its filters, `|`-separated (`add_to_cart|property.sku:SKU-1`).
const encodeStep = (s: StepDraft) => [s.event.trim(), ...s.filters.map((f) => f.trim()).filter(Boolean)].join('|');
const decodeStep = (raw: string): StepDraft => {
  const [event = '', ...filters] = raw.split('|');
  return { event, filters };
};

/** The funnel in the URL, or `null` when it names fewer than two steps. */
export function readSettings(params: URLSearchParams): FunnelSettings | null {
  const steps = params.getAll('step').map(decodeStep);
  if (steps.length < MIN_STEPS) return null;
  const unit = params.get('unit');
  const amount = Number(params.get('within') ?? '1');
  const dropOff = params.get('dropOff');
  return {
    steps,
    windowAmount: Number.isFinite(amount) && amount > 0 ? amount : 1,
    windowUnit: unit && unit in WINDOW_UNITS ? (unit as WindowUnit) : 'days',
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
    breakdown: params.get('breakdown') ?? undefined,
    count: params.get('count') === 'total' ? 'total' : 'unique',
    trend: params.get('trend') === '1',
    dropOff: dropOff === null ? undefined : Number(dropOff),
  };
}

/** The URL parameters of a funnel (others, like `saved`, are kept by the caller). */
export function writeSettings(s: FunnelSettings, into: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(into);
  for (const k of ['step', 'within', 'unit', 'from', 'to', 'breakdown', 'count', 'trend', 'dropOff']) next.delete(k);
  s.steps.forEach((step) => next.append('step', encodeStep(step)));
  next.set('within', String(s.windowAmount));
  next.set('unit', s.windowUnit);
  if (s.from) next.set('from', s.from);
  if (s.to) next.set('to', s.to);
  if (s.breakdown) next.set('breakdown', s.breakdown);
  if (s.count === 'total') next.set('count', 'total');
  if (s.trend) next.set('trend', '1');
  if (s.dropOff !== undefined) next.set('dropOff', String(s.dropOff));
  return next;
}

/** The API request of some settings (a step without filters is sent as its plain type). */
export function toRequest(s: FunnelSettings): FunnelRequest {
  return {
    steps: s.steps.map((step) => {
      const filters = step.filters.map((f) => f.trim()).filter(Boolean);
      return filters.length ? { event: step.event.trim(), filters } : step.event.trim();
    }),
    from: s.from,
    to: s.to,
    windowSeconds: windowSeconds(s.windowAmount, s.windowUnit),
    breakdown: s.breakdown,
    count: s.count,
    trend: s.trend || undefined,
    dropOff: s.dropOff,
  };
}

/** Settings from a saved funnel's definition (its window in the largest whole unit). */
export function fromRequest(r: FunnelRequest): FunnelSettings {
  const seconds = r.windowSeconds ?? 86_400;
  const unit = (['days', 'hours', 'minutes'] as WindowUnit[]).find((u) => seconds % WINDOW_UNITS[u] === 0) ?? 'minutes';
  return {
    steps: r.steps.map((s) => (typeof s === 'string' ? { event: s, filters: [] } : { event: s.event, filters: s.filters ?? [] })),
    windowAmount: Math.max(1, Math.round(seconds / WINDOW_UNITS[unit])),
    windowUnit: unit,
    from: r.from ?? undefined,
    to: r.to ?? undefined,
    breakdown: r.breakdown ?? undefined,
    count: r.count === 'total' ? 'total' : 'unique',
    trend: r.trend === true,
    dropOff: r.dropOff ?? undefined,
  };
}

/** A wait in the largest unit that keeps it readable, through Intl. */
export function formatWait(seconds: number, locale: string): string {
  const [value, unit] =
    seconds >= 86_400 ? [seconds / 86_400, 'day'] : seconds >= 3600 ? [seconds / 3600, 'hour'] : seconds >= 60 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}
