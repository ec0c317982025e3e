import { describe, expect, it } from 'vitest';
import type { UserProfile } from '../api/list-users';
import { sortUsers } from './sort';

const u = (userId: string, eventCount: number, lastSeen: string): UserProfile => ({
  userId,
  eventCount,
  lastSeen,
  firstSeen: lastSeen,
  anonymous: false,
  lastEventType: 'page_view',
  traits: {},
});

describe('sortUsers', () => {
  const users = [u('b', 5, '2026-01-02T00:00:00Z'), u('a', 10, '2026-01-01T00:00:00Z'), u('c', 5, '2026-01-03T00:00:00Z')];
  it('sorts numbers numerically with the id as tie-breaker', () => {
    expect(sortUsers(users, 'eventCount', 'desc').map((x) => x.userId)).toEqual(['a', 'b', 'c']);
    expect(sortUsers(users, 'eventCount', 'asc').map((x) => x.userId)).toEqual(['b', 'c', 'a']);
  });
  it('sorts text and times', () => {
    expect(sortUsers(users, 'userId', 'asc').map((x) => x.userId)).toEqual(['a', 'b', 'c']);
    expect(sortUsers(users, 'lastSeen', 'desc').map((x) => x.userId)).toEqual(['c', 'b', 'a']);
  });
  it('does not mutate its input', () => {
    sortUsers(users, 'userId', 'asc');
    expect(users[0]?.userId).toBe('b');
  });
});
