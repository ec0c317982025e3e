// The reports API's metrics, what kind of number each is, and how people read them: through
// Intl in the console's language, money in the report's currency, buckets as the report's
// local calendar.

export const METRICS = [
  'visitors',
  'sessions',
  'pageviews',
  'viewsPerSession',
  'bounceRate',
  'avgSessionSeconds',
  'events',
  'orders',
  'revenue',
  'aov',
  'conversionRate',
  'addToCartRate',
  'buyers',
  'newBuyers',
  'returningBuyers',
] as const;
export type Metric = (typeof METRICS)[number];

type Kind = 'count' | 'decimal' | 'rate' | 'seconds' | 'money';

const KIND: Record<Metric, Kind> = {
  visitors: 'count',
  sessions: 'count',
  pageviews: 'count',
  viewsPerSession: 'decimal',
  bounceRate: 'rate',
  avgSessionSeconds: 'seconds',
  events: 'count',
  orders: 'count',
  revenue: 'money',
  aov: 'money',
  conversionRate: 'rate',
  addToCartRate: 'rate',
  buyers: 'count',
  newBuyers: 'count',
  returningBuyers: 'count',
};

export function metricKind(m: Metric): Kind {
  return KIND[m];
}

/** A figure from a report row: a number, or null for a ratio over nothing. */
export function figure(row: Record<string, unknown> | undefined, m: Metric): number | null {
  const v = row?.[m];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Relative change from `previous` to `current`; null when there is nothing to compare. */
export function change(current: number | null, previous: number | null | undefined): number | null {
  if (current === null || previous === null || previous === undefined || previous === 0) return null;
  return (current - previous) / previous;
}

export interface ReportFormat {
  metric: (m: Metric, v: number | null) => string;
  change: (n: number) => string;
  /** A bucket label: `2026-06-01T10:00` (hour), `2026-06-01` (day or week), `2026-06` (month). */
  bucket: (t: string) => string;
  day: (isoDay: string) => string;
  /** An instant (epoch ms) as a time of day in the report's zone. */
  time: (ms: number) => string;
}

export function reportFormat(locale: string, currency: string, timeZone: string): ReportFormat {
  const int = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const dec = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const signed = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  let money: Intl.NumberFormat;
  try {
    money = new Intl.NumberFormat(locale, { style: 'currency', currency });
  } catch {
    money = dec;
  }
  // Bucket labels are already the shop's local calendar: read them as UTC so they never shift.
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const hour = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  const month = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  let clock: Intl.DateTimeFormat;
  try {
    clock = new Intl.DateTimeFormat(locale, { timeStyle: 'medium', timeZone });
  } catch {
    clock = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  }
  const duration = (s: number) => {
    const total = Math.round(s);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const sec = total % 60;
    const two = (n: number) => String(n).padStart(2, '0');
    return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
  };
  return {
    metric: (m, v) => {
      if (v === null) return '—';
      switch (KIND[m]) {
        case 'count':
          return int.format(v);
        case 'decimal':
          return dec.format(v);
        case 'rate':
          return pct.format(v);
        case 'seconds':
          return duration(v);
        case 'money':
          return money.format(v);
      }
    },
    change: (n) => signed.format(n),
    bucket: (t) => {
      if (/^\d{4}-\d{2}$/.test(t)) return month.format(new Date(`${t}-01T00:00:00Z`));
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(t)) return hour.format(new Date(`${t}:00Z`));
      if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return day.format(new Date(`${t}T00:00:00Z`));
      return t;
    },
    day: (d) => day.format(new Date(`${d}T00:00:00Z`)),
    time: (ms) => clock.format(new Date(ms)),
  };
}
