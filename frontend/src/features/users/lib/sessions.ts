// The journey as sessions: runs of consecutive events of one session.
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
 * The session each event belongs to. An event without a session id that falls inside a
 * session (its nearest neighbours with a session id, before and after it, both belong to
 * that session) joins it: an `identify` sent mid-visit without `sessionId` must not split
 * the visit in two. Elsewhere an event without one stays on its own.
 */
export function effectiveSessions(events: TrackedEvent[]): (string | null)[] {
  const own = events.map((e) => e.sessionId ?? null);
  const before: (string | null)[] = [];
  let last: string | null = null;
  for (const sid of own) {
    before.push(last);
    if (sid !== null) last = sid;
  }
  const result = [...own];
  let next: string | null = null;
  for (let i = own.length - 1; i >= 0; i--) {
    const sid = own[i] ?? null;
    if (sid === null && next !== null && before[i] === next) result[i] = next;
    if (sid !== null) next = sid;
  }
  return result;
}

/**
 * Groups events (in the order given, newest first from the API) into runs of the same
 * session (see {@link effectiveSessions}); other events without a session id form their own
 * runs. A session interrupted by another one appears as two groups, which keeps the
 * timeline strictly time-ordered.
 */
export function groupBySession(events: TrackedEvent[]): SessionGroup[] {
  const groups: SessionGroup[] = [];
  const sessions = effectiveSessions(events);
  events.forEach((e, i) => {
    const sid = sessions[i] ?? null;
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
  });
  return groups;
}

/** A one-line summary of an event's properties: `key: value` pairs, at most `max`. */
export function summarize(props: Record<string, unknown>, max = 4): string {
  return Object.entries(props)
    .slice(0, max)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}
