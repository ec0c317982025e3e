// Who is signed in, and what their role lets them see. Shared by every feature.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch, isUnauthenticated, type Schemas } from '@/shared/api/client';

export type Member = Schemas['Member'];
export type Role = Schemas['Role'];

export const sessionQueryKey = ['session'] as const;

/** The signed-in member, or null when not signed in. */
export async function getSession(): Promise<Member | null> {
  try {
    const member = await apiFetch<Member>('/v1/auth/session');
    noteSignedIn();
    return member;
  } catch (e) {
    if (isUnauthenticated(e)) return null;
    throw e;
  }
}

export const sessionQueryOptions = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: getSession,
  staleTime: 60_000,
  retry: false,
});

export function useSession() {
  return useQuery(sessionQueryOptions);
}

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

/** Whether `member` has `role` or a higher one. */
export function hasRole(member: Pick<Member, 'role'> | null | undefined, role: Role): boolean {
  return member != null && RANK[member.role] >= RANK[role];
}

// How the last session ended, so sign-in can say "your session has ended" only when it did.
let hadSession = false;
let signedOutOnPurpose = false;

export function noteSignedIn(): void {
  hadSession = true;
  signedOutOnPurpose = false;
}

/** Marks the next loss of session as a sign-out, not an expiry. */
export function noteSignOut(): void {
  signedOutOnPurpose = true;
}

/** Why there is no session now. */
export function sessionEnd(): 'never' | 'signedOut' | 'expired' {
  if (!hadSession) return 'never';
  return signedOutOnPurpose ? 'signedOut' : 'expired';
}
