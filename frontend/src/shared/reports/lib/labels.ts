// How a dimension value reads in the console: channel and device names translated, the
// API's `(none)` spelled out; anything else (pages, sources, countries) as it was sent.
import type { TFunction } from 'i18next';
import type { Dimension } from './params';

export const NONE = '(none)';

export function valueLabel(t: TFunction, dimension: Dimension, value: string): string {
  if (value === NONE) return t('reports.none');
  if (dimension === 'channel') return t(`reports.channels.${value}`, { defaultValue: value });
  if (dimension === 'device') return t(`reports.devices.${value}`, { defaultValue: value });
  return value;
}
