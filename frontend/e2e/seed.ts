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

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Where user `u` comes from: a Google search, the spring newsletter campaign, or direct. */
export function arrival(u: number): { channel: 'Organic Search' | 'Email' | 'Direct'; query: string; referrer?: string } {
  if (u % 3 === 0) return { channel: 'Organic Search', query: '', referrer: 'https://www.google.com/' };
  if (u % 3 === 1) return { channel: 'Email', query: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale' };
  return { channel: 'Direct', query: '' };
}

/** User `u`'s device: even users on an iPhone, odd ones on Windows. */
export const device = (u: number) => (u % 2 === 0 ? 'mobile' : 'desktop');

/** The country a trusted proxy reports for user `u` (`CloudFront-Viewer-Country`). */
export const country = (u: number) => (u < 12 ? 'ES' : 'DE');

/** What the seed gives the reports, per channel: sessions, orders and revenue (EUR). */
export function seededByChannel(): Record<string, { sessions: number; orders: number; revenue: number }> {
  const out: Record<string, { sessions: number; orders: number; revenue: number }> = {};
  for (let u = 0; u < SEEDED_USERS; u++) {
    const c = (out[arrival(u).channel] ??= { sessions: 0, orders: 0, revenue: 0 });
    c.sessions += 2;
    if (sessionSteps(u).includes('purchase')) {
      c.orders += 2;
      c.revenue += 2 * (20 + u);
    }
  }
  return out;
}

/** The seed as the requests that send it: one per country header. */
export function seedRequests(now = Date.now()): { country: string; events: Record<string, unknown>[] }[] {
  const byCountry = new Map<string, Record<string, unknown>[]>();
  for (const e of seedEvents(now)) {
    const c = country(Number(String(e.userId).slice(-2)));
    byCountry.set(c, [...(byCountry.get(c) ?? []), e]);
  }
  return [...byCountry].map(([c, events]) => ({ country: c, events }));
}

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
      const from = arrival(u);
      sessionSteps(u).forEach((type, i) => {
        events.push({
          messageId: `${session}-${i}`,
          userId: user,
          sessionId: session,
          type,
          timestamp: new Date(start + i * 60_000).toISOString(),
          properties: {
            path: `/p/${i}`,
            ...(type === 'purchase' ? { orderId: `${session}-order`, revenue: 20 + u, currency: 'EUR' } : {}),
          },
          context: {
            page: { path: `/p/${i}`, url: `https://shop.e2e.test/p/${i}${from.query}`, referrer: from.referrer },
            userAgent: u % 2 === 0 ? IPHONE : WINDOWS_CHROME,
          },
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
