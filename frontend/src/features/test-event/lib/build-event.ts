import type { IncomingEvent } from '../api/send-event';

export interface PropertyRow {
  key: string;
  value: string;
}

/** A typed value from a form field: numbers, booleans and null as JSON, anything else as text. */
export function parseValue(raw: string): unknown {
  const s = raw.trim();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null') return null;
  if (s !== '' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return Number(s);
  return raw;
}

export function buildEvent(input: { type: string; userId: string; messageId?: string; rows: PropertyRow[] }): IncomingEvent {
  const properties: Record<string, unknown> = {};
  for (const r of input.rows) {
    if (r.key.trim()) properties[r.key.trim()] = parseValue(r.value);
  }
  return {
    type: input.type.trim(),
    userId: input.userId.trim(),
    messageId: input.messageId,
    timestamp: new Date().toISOString(),
    // The schema types objects as empty records; any JSON object is accepted.
    properties: properties as IncomingEvent['properties'],
  };
}
