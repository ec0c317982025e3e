import { describe, expect, it } from 'vitest';
import { emptyDraft, fromCondition, toCondition } from './draft';

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

describe('fromCondition', () => {
  it('gives back the draft a saved condition came from, for every kind', () => {
    const drafts = [
      { ...emptyDraft('behaviour'), event: 'purchase', min: '2', max: '', lastDays: '14', negate: true },
      { ...emptyDraft('behaviour'), target: 'product' as const, product: 'Hat', action: 'carted' as const, min: '', max: '0' },
      { ...emptyDraft('dimension'), dimension: 'channel', value: 'Email', lastDays: '7' },
      { ...emptyDraft('trait'), key: 'email', op: 'contains' as const, value: '@shop.example' },
      { ...emptyDraft('trait'), key: 'plan', op: 'exists' as const },
      { ...emptyDraft('profile'), field: 'lastSeen' as const, min: '3', max: '10' },
    ];
    for (const d of drafts) {
      const saved = toCondition(d);
      expect(fromCondition(saved)).toEqual(d);
      expect(toCondition(fromCondition(saved))).toEqual(saved);
    }
  });
});
