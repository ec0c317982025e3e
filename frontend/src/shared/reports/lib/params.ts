// Report state in the URL: the date range and the filters, so a view can be shared and
// survives a reload. `?from=2026-06-01&to=2026-06-30&filter=channel:Email&filter=device!=mobile`.
import { addDays, daysBetween, isDay } from '@/shared/lib/dates';

/** The dimensions the reports API groups and filters by. */
export const DIMENSIONS = [
  'channel',
  'referrer',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmContent',
  'utmTerm',
  'landingPage',
  'exitPage',
  'country',
  'device',
  'browser',
  'os',
  'locale',
  'product',
  'productCategory',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export type FilterOp = 'is' | 'isNot' | 'contains';

export interface ReportFilter {
  dimension: Dimension;
  op: FilterOp;
  value: string;
}

export interface Range {
  from: string;
  to: string;
}

const OP_TEXT: Record<FilterOp, string> = { is: ':', isNot: '!=', contains: '~' };

function isDimension(v: string): v is Dimension {
  return (DIMENSIONS as readonly string[]).includes(v);
}

/** `channel:Email`, `device!=mobile`, `utmCampaign~spring`, as the API reads them; null for
 * anything else (a hand-edited URL must not break the page). */
export function parseFilter(text: string): ReportFilter | null {
  const m = /^([a-zA-Z]+)(!=|~|:)(.*)$/s.exec(text);
  if (!m) return null;
  const [, name, op, value] = m as unknown as [string, string, string, string];
  if (!isDimension(name) || value === '') return null;
  const kind: FilterOp = op === '!=' ? 'isNot' : op === '~' ? 'contains' : 'is';
  return { dimension: name, op: kind, value };
}

export function formatFilter(f: ReportFilter): string {
  return `${f.dimension}${OP_TEXT[f.op]}${f.value}`;
}

export interface ReportParams {
  /** Absent: the API's default (the last 30 days in the shop's time zone). */
  range: Range | null;
  filters: ReportFilter[];
}

/** Reads the range and filters from search params; invalid pieces are dropped, duplicates
 * kept once. */
export function readParams(params: URLSearchParams): ReportParams {
  const from = params.get('from');
  const to = params.get('to');
  const range = isDay(from) && isDay(to) && from <= to ? { from, to } : null;
  const filters: ReportFilter[] = [];
  for (const text of params.getAll('filter')) {
    const f = parseFilter(text);
    if (f && !filters.some((g) => sameFilter(g, f))) filters.push(f);
  }
  return { range, filters };
}

/** Search params holding `state`, keeping unrelated params of `base` as they were. */
export function writeParams(state: ReportParams, base?: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(base);
  out.delete('from');
  out.delete('to');
  out.delete('filter');
  if (state.range) {
    out.set('from', state.range.from);
    out.set('to', state.range.to);
  }
  for (const f of state.filters) out.append('filter', formatFilter(f));
  return out;
}

export function sameFilter(a: ReportFilter, b: ReportFilter): boolean {
  return a.dimension === b.dimension && a.op === b.op && a.value === b.value;
}

/** Adds `f`; an `is` filter replaces an earlier `is` on the same dimension (a session has one
 * channel, so requiring two would always give nothing). */
export function addFilter(filters: ReportFilter[], f: ReportFilter): ReportFilter[] {
  if (filters.some((g) => sameFilter(g, f))) return filters;
  const kept = f.op === 'is' ? filters.filter((g) => !(g.dimension === f.dimension && g.op === 'is')) : filters;
  return [...kept, f];
}

export function removeFilter(filters: ReportFilter[], f: ReportFilter): ReportFilter[] {
  return filters.filter((g) => !sameFilter(g, f));
}

/** The period of the same length that ends the day before `range` starts. */
export function previousPeriod(range: Range): Range {
  const len = daysBetween(range.from, range.to);
  const to = addDays(range.from, -1);
  return { from: addDays(to, -(len - 1)), to };
}

/** The last `days` days up to `today`, both included. */
export function lastDays(days: number, today: string): Range {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** Today's calendar day in `timeZone` (the shop's), as `YYYY-MM-DD`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Hours for a single day, weeks beyond three months, else days. */
export function intervalFor(range: Range): 'hour' | 'day' | 'week' {
  const days = daysBetween(range.from, range.to);
  if (days <= 1) return 'hour';
  return days > 92 ? 'week' : 'day';
}
