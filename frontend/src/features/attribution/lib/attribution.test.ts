import { describe, expect, it } from 'vitest';
import { DEFAULT_LOOKBACK, readLookback } from './attribution';

describe('readLookback', () => {
  it('keeps whole days from 1 to 90', () => {
    expect(readLookback('1')).toBe(1);
    expect(readLookback('90')).toBe(90);
    expect(readLookback('14')).toBe(14);
  });

  it('falls back to 30 days for anything else', () => {
    for (const raw of [null, '', '0', '91', '7.5', 'x']) expect(readLookback(raw)).toBe(DEFAULT_LOOKBACK);
  });
});
