import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../api/get-journey';
import { groupBySession, summarize } from './sessions';

function ev(id: string, at: string, sessionId: string | null, type = 'page_view'): TrackedEvent {
  return {
    eventId: id,
    type,
    sessionId,
    occurredAt: at,
    receivedAt: at,
    properties: {},
    context: {},
  } as TrackedEvent;
}

describe('groupBySession', () => {
  it('groups consecutive events of a session and keeps time order', () => {
    const groups = groupBySession([
      ev('e5', '2026-01-02T10:05:00Z', 's2'),
      ev('e4', '2026-01-02T10:00:00Z', 's2'),
      ev('e3', '2026-01-01T12:00:00Z', null),
      ev('e2', '2026-01-01T09:10:00Z', 's1'),
      ev('e1', '2026-01-01T09:00:00Z', 's1'),
    ]);
    expect(groups.map((g) => [g.sessionId, g.events.map((e) => e.eventId)])).toEqual([
      ['s2', ['e5', 'e4']],
      [null, ['e3']],
      ['s1', ['e2', 'e1']],
    ]);
    expect(groups[0]).toMatchObject({ start: '2026-01-02T10:00:00Z', end: '2026-01-02T10:05:00Z' });
  });
  it('splits a session interrupted by another and gives each group its own key', () => {
    const groups = groupBySession([ev('a', 't3', 's1'), ev('b', 't2', 's2'), ev('c', 't1', 's1')]);
    expect(groups.map((g) => g.sessionId)).toEqual(['s1', 's2', 's1']);
    expect(new Set(groups.map((g) => g.key)).size).toBe(3);
  });
  it('puts an event without a session id that falls inside a session into that session', () => {
    const groups = groupBySession([
      ev('e4', '2026-01-01T09:30:00Z', 's1', 'purchase'),
      ev('e3', '2026-01-01T09:20:00Z', null, 'identify'),
      ev('e2', '2026-01-01T09:10:00Z', null, 'identify'),
      ev('e1', '2026-01-01T09:00:00Z', 's1'),
    ]);
    expect(groups.map((g) => [g.sessionId, g.events.map((e) => e.eventId)])).toEqual([['s1', ['e4', 'e3', 'e2', 'e1']]]);
    expect(groups[0]).toMatchObject({ start: '2026-01-01T09:00:00Z', end: '2026-01-01T09:30:00Z' });
  });
  it('keeps an event without a session id on its own between two different sessions or at an edge', () => {
    const groups = groupBySession([
      ev('e4', '2026-01-01T12:00:00Z', null),
      ev('e3', '2026-01-01T11:00:00Z', 's2'),
      ev('e2', '2026-01-01T10:00:00Z', null),
      ev('e1', '2026-01-01T09:00:00Z', 's1'),
    ]);
    expect(groups.map((g) => g.sessionId)).toEqual([null, 's2', null, 's1']);
  });
  it('handles an empty journey', () => {
    expect(groupBySession([])).toEqual([]);
  });
});

describe('summarize', () => {
  it('lists at most max properties, JSON for non-strings', () => {
    expect(summarize({ path: '/', price: 12.5, tags: ['a'] }, 2)).toBe('path: / · price: 12.5');
    expect(summarize({ tags: ['a'] })).toBe('tags: ["a"]');
  });
});
