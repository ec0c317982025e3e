// The builder's form state: one flat draft per condition (every field as typed), turned into
// the API's condition when saved. Checking is the API's (its 400 message is shown).
import type { Condition } from '../api/create-segment';

export const KINDS = ['behaviour', 'dimension', 'trait', 'profile'] as const;
export type Kind = (typeof KINDS)[number];
export const TRAIT_OPS = ['equals', 'contains', 'exists'] as const;
export const PROFILE_FIELDS = ['eventCount', 'firstSeen', 'lastSeen'] as const;
export const ACTIONS = ['viewed', 'carted', 'ordered'] as const;
export const TARGETS = ['event', 'product'] as const;
export const SEGMENT_DIMENSIONS = [
  'utmCampaign',
  'utmSource',
  'channel',
  'country',
  'device',
  'landingPage',
  'page',
  'product',
  'productCategory',
] as const;

export interface Draft {
  kind: Kind;
  negate: boolean;
  key: string;
  op: (typeof TRAIT_OPS)[number];
  value: string;
  field: (typeof PROFILE_FIELDS)[number];
  dimension: string;
  target: (typeof TARGETS)[number];
  event: string;
  product: string;
  action: (typeof ACTIONS)[number];
  min: string;
  max: string;
  lastDays: string;
}

export function emptyDraft(kind: Kind = 'behaviour'): Draft {
  return {
    kind,
    negate: false,
    key: '',
    op: 'equals',
    value: '',
    field: 'eventCount',
    dimension: 'utmCampaign',
    target: 'event',
    event: '',
    product: '',
    action: 'viewed',
    min: kind === 'behaviour' ? '1' : '',
    max: '',
    lastDays: '30',
  };
}

const count = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export function toCondition(d: Draft): Condition {
  const negate = d.negate;
  switch (d.kind) {
    case 'trait':
      return { kind: 'trait', key: d.key.trim(), op: d.op, value: d.op === 'exists' ? undefined : d.value, negate };
    case 'profile':
      return { kind: 'profile', field: d.field, min: count(d.min), max: count(d.max), negate };
    case 'dimension':
      return { kind: 'dimension', dimension: d.dimension, value: d.value, lastDays: count(d.lastDays) ?? 30, negate };
    case 'behaviour':
      return {
        kind: 'behaviour',
        ...(d.target === 'event' ? { event: d.event.trim() } : { product: d.product, action: d.action }),
        min: count(d.min),
        max: count(d.max),
        lastDays: count(d.lastDays) ?? 30,
        negate,
      };
  }
}

const typed = (n?: number | null): string => (n == null ? '' : String(n));

/** A saved condition as the builder's draft, for editing (the inverse of `toCondition`). */
export function fromCondition(c: Condition): Draft {
  const base = { ...emptyDraft(c.kind), negate: c.negate ?? false };
  switch (c.kind) {
    case 'trait':
      return { ...base, key: c.key, op: c.op, value: c.value ?? '' };
    case 'profile':
      return { ...base, field: c.field, min: typed(c.min), max: typed(c.max) };
    case 'dimension':
      return { ...base, dimension: c.dimension, value: c.value, lastDays: typed(c.lastDays ?? 30) };
    case 'behaviour':
      return {
        ...base,
        ...(c.event != null ? { target: 'event' as const, event: c.event } : { target: 'product' as const, product: c.product ?? '', action: c.action ?? 'viewed' }),
        min: typed(c.min),
        max: typed(c.max),
        lastDays: typed(c.lastDays ?? 30),
      };
  }
}
