// The attribution report's choices as the API names them, and how the page reads them from
// the URL (anything not allowed reads as the default).

export const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay'] as const;
export type AttributionModel = (typeof MODELS)[number];

export const DIMENSIONS = ['channel', 'utmCampaign', 'utmSource'] as const;
export type AttributionDimension = (typeof DIMENSIONS)[number];

export const FIGURES = ['revenue', 'orders', 'conversions'] as const;
export type AttributionFigure = (typeof FIGURES)[number];

export const DEFAULT_LOOKBACK = 30;
export const MAX_LOOKBACK = 90;

/** A lookback from the URL: a whole number of days from 1 to 90, else the default. */
export function readLookback(raw: string | null): number {
  const n = Number(raw);
  return raw !== null && Number.isInteger(n) && n >= 1 && n <= MAX_LOOKBACK ? n : DEFAULT_LOOKBACK;
}
