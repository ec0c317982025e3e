// The journey as sessions: runs of consecutive events sharing a session id.
import type { TrackedEvent } from '../api/get-journey';

export interface SessionGroup {
  /** Stable key for rendering. */
  key: string;
  sessionId: string | null;
  events: TrackedEvent[];
  /** Earliest and latest `occurredAt` in the group. */
  start: string;
  end: string;
}

/**
 * Groups events (in the order given, newest first from the API) into runs of the same
 * session id; events without one form their own runs. A session interrupted by another
 * one appears as two groups, which keeps the timeline strictly time-ordered.
 */
export function groupBySession(events: TrackedEvent[]): SessionGroup[] {
  const groups: SessionGroup[] = [];
  for (const e of events) {
    const sid = e.sessionId ?? null;
    const last = groups[groups.length - 1];
    if (last && last.sessionId === sid) {
      last.events.push(e);
      if (e.occurredAt < last.start) last.start = e.occurredAt;
      if (e.occurredAt > last.end) last.end = e.occurredAt;
    } else {
      groups.push({
        key: `${sid ?? '-'}:${e.eventId}`,
        sessionId: sid,
        events: [e],
        start: e.occurredAt,
        end: e.occurredAt,
      });
    }
  }
  return groups;
}

/** A one-line summary of an event's properties: `key: value` pairs, at most `max`. */
export function summarize(props: Record<string, unknown>, max = 4): string {
  return Object.entries(props)
    .slice(0, max)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}
