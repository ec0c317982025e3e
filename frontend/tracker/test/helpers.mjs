// Shared by the compatibility tests: the server under test (started by
// scripts/lib/segment-compat.sh), a signed-in reader and polling helpers.
import assert from "node:assert/strict";

export const BASE = process.env.SHOPTRAIL_URL;
export const WRITE_KEY = process.env.SHOPTRAIL_WRITE_KEY;
const ADMIN_EMAIL = process.env.SHOPTRAIL_ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.SHOPTRAIL_ADMIN_PASSWORD;

assert.ok(BASE && WRITE_KEY && ADMIN_EMAIL && ADMIN_PASSWORD, "run through scripts/lib/segment-compat.sh");

let cookie = null;

async function signIn() {
  const res = await fetch(`${BASE}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  assert.equal(res.status, 200, "sign-in");
  cookie = res.headers.get("set-cookie").split(";")[0];
}

export async function read(path) {
  if (!cookie) await signIn();
  const res = await fetch(`${BASE}${path}`, { headers: { cookie } });
  return { status: res.status, body: await res.json() };
}

export async function journey(user) {
  const { status, body } = await read(`/v1/users/${encodeURIComponent(user)}/journey?limit=1000`);
  assert.equal(status, 200);
  return body.items;
}

/** Polls `fn` until it returns a truthy value or the (generous) deadline passes. */
export async function eventually(fn, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function types(events) {
  return events.map((e) => e.type).sort();
}
