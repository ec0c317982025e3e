import { describe, expect, it } from 'vitest';
import { emptyDraft, toCondition } from './draft';

describe('toCondition', () => {
  it('turns a behaviour draft into an event or a product condition', () => {
    expect(toCondition({ ...emptyDraft('behaviour'), event: ' purchase ', min: '2' })).toEqual({
      kind: 'behaviour',
      event: 'purchase',
      min: 2,
      max: undefined,
      lastDays: 30,
      negate: false,
    });
    expect(toCondition({ ...emptyDraft('behaviour'), target: 'product', product: 'Hat', action: 'ordered', min: '', max: '0' })).toEqual({
      kind: 'behaviour',
      product: 'Hat',
      action: 'ordered',
      min: undefined,
      max: 0,
      lastDays: 30,
      negate: false,
    });
  });
  it('leaves the value out of an exists trait and keeps a negation', () => {
    expect(toCondition({ ...emptyDraft('trait'), key: 'email', op: 'exists', value: 'x', negate: true })).toEqual({
      kind: 'trait',
      key: 'email',
      op: 'exists',
      value: undefined,
      negate: true,
    });
  });
});
