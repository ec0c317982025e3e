import { describe, expect, it } from 'vitest';
import { change, figure, reportFormat } from './metrics';

// Intl output uses narrow/no-break spaces in some locales: compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('figures', () => {
  it('reads numbers and treats a ratio over nothing as missing', () => {
    expect(figure({ sessions: 3, aov: null }, 'sessions')).toBe(3);
    expect(figure({ sessions: 3, aov: null }, 'aov')).toBeNull();
    expect(figure(undefined, 'aov')).toBeNull();
  });
  it('changes relative to the previous period, none from zero or nothing', () => {
    expect(change(15, 10)).toBe(0.5);
    expect(change(5, 10)).toBe(-0.5);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
    expect(change(3, undefined)).toBeNull();
  });
});

describe('reportFormat', () => {
  const en = reportFormat('en', 'EUR', 'Europe/Madrid');
  const es = reportFormat('es', 'EUR', 'Europe/Madrid');
  it('formats money in the report currency and the console language', () => {
    expect(plain(en.metric('revenue', 1234.5))).toBe('€1,234.50');
    expect(plain(es.metric('revenue', 1234.5))).toBe('1234,50 €');
    expect(plain(reportFormat('en', 'USD', 'UTC').metric('aov', 20))).toBe('$20.00');
  });
  it('formats rates, counts, durations and missing figures', () => {
    expect(en.metric('conversionRate', 0.125)).toBe('12.5%');
    expect(plain(es.metric('bounceRate', 0.5))).toBe('50 %');
    expect(en.metric('sessions', 12345)).toBe('12,345');
    expect(en.metric('avgSessionSeconds', 65)).toBe('1:05');
    expect(en.metric('avgSessionSeconds', 3725)).toBe('1:02:05');
    expect(en.metric('aov', null)).toBe('—');
    expect(en.change(0.25)).toBe('+25%');
    expect(en.change(-0.1)).toBe('-10%');
  });
  it('reads buckets as local calendar labels, never shifted', () => {
    expect(en.bucket('2026-06-01')).toBe('Jun 1, 2026');
    expect(es.bucket('2026-06')).toBe('junio de 2026');
    expect(en.bucket('2026-06-01T23:00')).toMatch(/Jun 1.*11:00/);
  });
  it("tells the time in the shop's zone", () => {
    expect(plain(reportFormat('en-GB', 'EUR', 'Europe/Madrid').time(Date.parse('2026-06-01T22:30:05Z')))).toBe('00:30:05');
    expect(plain(reportFormat('en-GB', 'EUR', 'UTC').time(Date.parse('2026-06-01T22:30:05Z')))).toBe('22:30:05');
  });
});
