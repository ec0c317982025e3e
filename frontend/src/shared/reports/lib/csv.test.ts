import { describe, expect, it } from 'vitest';
import { csvName, toCsv } from './csv';

describe('toCsv', () => {
  it('writes a header and rows with CRLF', () => {
    expect(toCsv(['channel', 'sessions'], [['Email', 16], ['Direct', 4]])).toBe('channel,sessions\r\nEmail,16\r\nDirect,4\r\n');
  });
  it('quotes commas, quotes and line breaks', () => {
    expect(toCsv(['v'], [['a,b'], ['say "hi"'], ['two\nlines']])).toBe('v\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n');
  });
  it('leaves nulls empty and keeps numbers as numbers', () => {
    expect(toCsv(['a', 'b', 'c'], [[null, 0.125, -3]])).toBe('a,b,c\r\n,0.125,-3\r\n');
  });
  it('keeps a spreadsheet from running text as a formula', () => {
    expect(toCsv(['v'], [['=HYPERLINK("x")'], ['@sum'], ['-1+2']])).toBe('v\r\n"\'=HYPERLINK(""x"")"\r\n\'@sum\r\n\'-1+2\r\n');
  });
});

describe('csvName', () => {
  it('makes a file name safe everywhere', () => {
    expect(csvName('sources', 'channel', '2026-06-01', '2026-06-30', 'channel:Paid Search')).toBe(
      'sources-channel-2026-06-01-2026-06-30-channel-Paid-Search.csv',
    );
    expect(csvName('', '')).toBe('report.csv');
  });
});
