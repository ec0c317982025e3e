import { describe, expect, it } from 'vitest';
import { buildEvent, parseValue } from './build-event';

describe('test event form', () => {
  it('types numbers, booleans and null; keeps other text', () => {
    expect(parseValue('12.5')).toBe(12.5);
    expect(parseValue('-3')).toBe(-3);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('null')).toBeNull();
    expect(parseValue('SKU-1')).toBe('SKU-1');
    expect(parseValue('0x10')).toBe('0x10');
  });
  it('builds one event, skipping rows without a name', () => {
    const e = buildEvent({
      type: ' add_to_cart ',
      userId: 'u1',
      messageId: 'm1',
      rows: [
        { key: 'sku', value: 'SKU-1' },
        { key: 'price', value: '9.99' },
        { key: ' ', value: 'ignored' },
      ],
    });
    expect(e).toMatchObject({ type: 'add_to_cart', userId: 'u1', messageId: 'm1', properties: { sku: 'SKU-1', price: 9.99 } });
  });
});
