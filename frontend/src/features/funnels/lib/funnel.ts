// From the API's answer to what the funnel chart draws.
import type { FunnelReport } from '../api/compute-funnel';

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
  }));
}

export const WINDOW_UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
export type WindowUnit = keyof typeof WINDOW_UNITS;

export function windowSeconds(amount: number, unit: WindowUnit): number {
  return Math.round(amount * WINDOW_UNITS[unit]);
}
