import type { UserProfile } from '../api/list-users';

export type SortKey = 'userId' | 'firstSeen' | 'lastSeen' | 'eventCount' | 'lastEventType';
export type SortDir = 'asc' | 'desc';

/** Sorts one loaded page of users (the API pages by last seen, newest first). */
export function sortUsers(users: UserProfile[], key: SortKey, dir: SortDir): UserProfile[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...users].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c * sign || a.userId.localeCompare(b.userId);
  });
}
