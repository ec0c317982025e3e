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
