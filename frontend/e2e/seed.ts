// The data every worker's api starts with, sent through the real ingestion API, and what
// the specs may expect of it.

export const SEEDED_USERS = 24;

/** Event types of one session of user number `u`. */
export function sessionSteps(u: number): string[] {
  const steps = ['session_start', 'page_view', 'product_view'];
  if (u % 2 === 0) steps.push('add_to_cart');
  if (u % 4 === 0) steps.push('purchase');
  if (u % 3 === 0) steps.push('search');
  return steps;
}

export const userId = (u: number) => `e2e-user-${String(u).padStart(2, '0')}`;

/** Two sessions per user over the last 12 days, always in the past (future timestamps
 * would be clamped to the receive time). */
export function seedEvents(now = Date.now()): Record<string, unknown>[] {
  const day = (offset: number) => now - offset * 86_400_000 - 2 * 3_600_000;
  const events: Record<string, unknown>[] = [];
  for (let u = 0; u < SEEDED_USERS; u++) {
    const user = userId(u);
    for (let s = 0; s < 2; s++) {
      const start = day((u + s * 5) % 12) + u * 60_000;
      const session = `${user}-s${s}`;
      sessionSteps(u).forEach((type, i) => {
        events.push({
          messageId: `${session}-${i}`,
          userId: user,
          sessionId: session,
          type,
          timestamp: new Date(start + i * 60_000).toISOString(),
          properties: { path: `/p/${i}`, ...(type === 'purchase' ? { revenue: 20 + u } : {}) },
          traits: u % 5 === 0 ? { plan: 'gold', country: 'ES' } : undefined,
        });
      });
    }
  }
  return events;
}

/** Users who entered each step of product_view → add_to_cart → purchase (one day window). */
export function seededFunnel(): number[] {
  const users = [...Array(SEEDED_USERS).keys()].map(sessionSteps);
  return [
    users.filter((s) => s.includes('product_view')).length,
    users.filter((s) => s.includes('add_to_cart')).length,
    users.filter((s) => s.includes('purchase')).length,
  ];
}

/** Today and `n` days before it, as the console's date inputs write them (UTC). */
export function isoDay(n = 0): string {
  const d = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}
