// Reads back what arrived, through Shoptrail's own read API (as the admin).
const base = () => process.env.SHOPTRAIL_API;
const headers = () => ({ cookie: process.env.SHOPTRAIL_COOKIE });

export async function journey(userId) {
  const r = await fetch(`${base()}/v1/users/${encodeURIComponent(userId)}/journey?limit=1000`, {
    headers: headers(),
  });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`journey of ${userId}: ${r.status}`);
  return (await r.json()).items;
}

export async function profile(userId) {
  const r = await fetch(`${base()}/v1/users/${encodeURIComponent(userId)}`, { headers: headers() });
  return r.ok ? r.json() : null;
}

/** Polls until `done(events)` holds for the journey of `userId`, or `timeoutMs` passes. */
export async function waitForJourney(userId, done, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  let events = [];
  while (Date.now() < until) {
    events = await journey(userId);
    if (done(events)) return events;
    await new Promise((r) => setTimeout(r, 250));
  }
  return events;
}

/** Switches the edge: `up`, `down` (connections dropped) or `503`, for `ms`. */
export async function edge(mode, ms = 0) {
  const r = await fetch(`${process.env.EDGE_CONTROL}/mode?api=${mode}&ms=${ms}`, { method: 'POST' });
  return r.json();
}
