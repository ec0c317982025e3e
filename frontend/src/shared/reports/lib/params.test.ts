import { describe, expect, it } from 'vitest';
import {
  addFilter,
  formatFilter,
  intervalFor,
  lastDays,
  parseFilter,
  previousPeriod,
  readParams,
  removeFilter,
  todayIn,
  writeParams,
  type ReportFilter,
} from './params';

const email: ReportFilter = { dimension: 'channel', op: 'is', value: 'Email' };

describe('filters as text', () => {
  it('reads the three forms the API reads', () => {
    expect(parseFilter('channel:Paid Search')).toEqual({ dimension: 'channel', op: 'is', value: 'Paid Search' });
    expect(parseFilter('device!=mobile')).toEqual({ dimension: 'device', op: 'isNot', value: 'mobile' });
    expect(parseFilter('utmCampaign~spring')).toEqual({ dimension: 'utmCampaign', op: 'contains', value: 'spring' });
  });
  it('keeps operators inside the value', () => {
    expect(parseFilter('landingPage:/a:b?x=1')).toEqual({ dimension: 'landingPage', op: 'is', value: '/a:b?x=1' });
    expect(parseFilter('referrer!=a~b')).toEqual({ dimension: 'referrer', op: 'isNot', value: 'a~b' });
  });
  it('drops unknown dimensions, empty values and junk', () => {
    expect(parseFilter('colour:shoes')).toBeNull();
    expect(parseFilter('product:SKU-1')).toEqual({ dimension: 'product', op: 'is', value: 'SKU-1' });
    expect(parseFilter('channel:')).toBeNull();
    expect(parseFilter('channel')).toBeNull();
    expect(parseFilter('')).toBeNull();
  });
  it('round-trips', () => {
    for (const text of ['channel:Email', 'os!=iOS', 'utmSource~news', 'exitPage:/a b']) {
      expect(formatFilter(parseFilter(text)!)).toBe(text);
    }
  });
});

describe('URL <-> report state', () => {
  it('reads range and filters, skipping invalid ones and duplicates', () => {
    const p = new URLSearchParams('from=2026-06-01&to=2026-06-30&filter=channel:Email&filter=nope:x&filter=channel:Email&filter=device!=mobile');
    expect(readParams(p)).toEqual({
      range: { from: '2026-06-01', to: '2026-06-30' },
      filters: [email, { dimension: 'device', op: 'isNot', value: 'mobile' }],
    });
  });
  it('has no range when it is missing, malformed or backwards', () => {
    expect(readParams(new URLSearchParams('')).range).toBeNull();
    expect(readParams(new URLSearchParams('from=2026-06-01')).range).toBeNull();
    expect(readParams(new URLSearchParams('from=2026-6-1&to=2026-06-30')).range).toBeNull();
    expect(readParams(new URLSearchParams('from=2026-06-30&to=2026-06-01')).range).toBeNull();
  });
  it('writes what it reads, keeping other params', () => {
    const state = { range: { from: '2026-06-01', to: '2026-06-07' }, filters: [email, { dimension: 'utmCampaign', op: 'contains', value: 'a&b=c' } as const] };
    const out = writeParams(state, new URLSearchParams('tab=x&filter=old:1&from=2020-01-01'));
    expect(out.get('tab')).toBe('x');
    expect(out.getAll('filter')).toEqual(['channel:Email', 'utmCampaign~a&b=c']);
    expect(readParams(new URLSearchParams(out.toString()))).toEqual(state);
  });
  it('writes no range when there is none', () => {
    expect(writeParams({ range: null, filters: [email] }).toString()).toBe('filter=channel%3AEmail');
  });
});

describe('adding and removing filters', () => {
  it('adds once', () => {
    expect(addFilter(addFilter([], email), email)).toEqual([email]);
  });
  it('replaces an "is" on the same dimension, keeps the others', () => {
    const notMobile: ReportFilter = { dimension: 'device', op: 'isNot', value: 'mobile' };
    const direct: ReportFilter = { dimension: 'channel', op: 'is', value: 'Direct' };
    expect(addFilter([email, notMobile], direct)).toEqual([notMobile, direct]);
  });
  it('removes only the one named', () => {
    const mobile: ReportFilter = { dimension: 'device', op: 'is', value: 'mobile' };
    expect(removeFilter([email, mobile], email)).toEqual([mobile]);
  });
});

describe('ranges', () => {
  it('compares with the same number of days just before', () => {
    expect(previousPeriod({ from: '2026-03-10', to: '2026-03-16' })).toEqual({ from: '2026-03-03', to: '2026-03-09' });
    expect(previousPeriod({ from: '2028-03-01', to: '2028-03-30' })).toEqual({ from: '2028-01-31', to: '2028-02-29' });
  });
  it('counts the last days including today', () => {
    expect(lastDays(7, '2026-01-03')).toEqual({ from: '2025-12-28', to: '2026-01-03' });
  });
  it("knows today in the shop's zone", () => {
    const late = new Date('2026-06-01T23:30:00Z');
    expect(todayIn('UTC', late)).toBe('2026-06-01');
    expect(todayIn('Europe/Madrid', late)).toBe('2026-06-02');
    expect(todayIn('America/New_York', late)).toBe('2026-06-01');
  });
  it('picks hours for a day, weeks beyond three months', () => {
    expect(intervalFor({ from: '2026-06-01', to: '2026-06-01' })).toBe('hour');
    expect(intervalFor({ from: '2026-06-01', to: '2026-06-30' })).toBe('day');
    expect(intervalFor({ from: '2026-01-01', to: '2026-06-30' })).toBe('week');
  });
});
