// The tracker in a real browser (headless Chromium via playwright-core) on the demo shop:
// page views and track events for one anonymous id, delivered across navigations by
// sendBeacon on page hide, then joined to the user's journey by identify; and consent: nothing
// stored or sent before the visitor accepts, nothing at all when they decline or their browser
// sends Global Privacy Control.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

import { BASE, eventually, journey, types } from "./helpers.mjs";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

// A desktop Chrome user agent: the server counts "HeadlessChrome" as a bot.
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

let profileDir;
let context;
let browser;

before(async () => {
  profileDir = mkdtempSync(join(tmpdir(), "shoptrail-chromium-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // Headless Chromium says "HeadlessChrome", which the server counts as a bot (no profile,
    // no session); the demo shopper's browser says what desktop Chrome says.
    userAgent: USER_AGENT,
    args: ARGS,
  });
  // Consent cases each get a fresh, isolated browser context (no earlier choice, no storage).
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ARGS,
  });
});

after(async () => {
  await context?.close();
  await browser?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

test("clicking through the demo shop records one anonymous journey, across navigations", async () => {
  const page = await context.newPage();
  const failures = [];
  page.on("pageerror", (e) => failures.push(String(e)));
  await page.goto(`${BASE}/demo/`);
  // The shopper accepts the demo's consent banner (remembered for the later tests).
  await page.click("#consent-accept");
  const anon = await page.evaluate(() => window.shoptrail.anonymousId());
  assert.match(anon, /^[0-9a-f-]{36}$/);

  await page.click("#product-SKU-1");
  await page.waitForURL(/\/demo\/products\/SKU-1$/);
  await page.click("#add-to-cart");
  // Leave the shop at once: only the pagehide beacon can deliver what is still queued,
  // since no tracker runs on the next page.
  const queued = await page.evaluate(() => window.shoptrail.pending().map((m) => m.event || m.type));
  assert.ok(queued.includes("add_to_cart"), `add_to_cart still queued: ${queued}`);
  await page.goto("about:blank");

  const events = await eventually(async () => {
    const e = await journey(anon);
    return types(e).filter((t) => t !== "session_start").length >= 4 && e;
  }, "the anonymous journey");
  assert.deepEqual(
    types(events).filter((t) => t !== "session_start"),
    ["add_to_cart", "page_view", "page_view", "product_view"],
  );
  assert.ok(events.every((e) => e.anonymousId === anon), "one anonymous id");
  assert.equal(new Set(events.map((e) => e.sessionId)).size, 1, "one session");
  assert.ok(types(events).includes("session_start"));
  const cart = events.find((e) => e.type === "add_to_cart");
  assert.deepEqual(cart.properties, { sku: "SKU-1", price: 89 });
  assert.equal(events.find((e) => e.type === "product_view").context.page.path, "/demo/products/SKU-1");
  assert.equal(cart.source, "demo");
  assert.deepEqual(failures, []);
  await page.close();
});

test("signing in on the demo joins the anonymous events to the user's journey", async () => {
  const page = await context.newPage();
  await page.goto(`${BASE}/demo/cart`);
  const anon = await page.evaluate(() => window.shoptrail.anonymousId());
  await page.fill("#email", "shopper@example.com");
  await page.click("#sign-in button");
  await page.waitForSelector("#signed-in:has-text('shopper@example.com')");
  await page.click("#purchase");
  await page.waitForURL(/\/demo\/thanks$/);
  await page.goto("about:blank");
  const events = await eventually(async () => {
    const e = await journey("shopper@example.com");
    return types(e).includes("purchase") && types(e).includes("add_to_cart") && e;
  }, "the user's journey with the anonymous events");
  // The events from before sign-in (first test, same browser profile) are in it too.
  const before = events.filter((e) => !e.userId);
  assert.ok(before.length >= 4, `anonymous events joined: ${types(before)}`);
  assert.ok(events.every((e) => e.anonymousId === anon));
  const { body: users } = await (await import("./helpers.mjs")).read(`/v1/users?q=${encodeURIComponent(anon)}`);
  assert.deepEqual(users.items, [], "no separate anonymous profile is left");
  await page.close();
});

test("a failed send is retried with backoff and a 30-minute idle gap starts a new session", async () => {
  const page = await context.newPage();
  let attempts = 0;
  // The first two sends fail as an overloaded server would; the tracker must retry.
  await page.route("**/v1/batch", async (route) => {
    attempts += 1;
    if (attempts <= 2) {
      await route.fulfill({ status: 503, headers: { "retry-after": "1" }, body: "{}" });
    } else {
      await route.continue();
    }
  });
  await page.goto(`${BASE}/demo/`);
  const firstSession = await page.evaluate(() => JSON.parse(localStorage.getItem("shoptrail.session")).id);
  // Pretend the visitor was idle for 31 minutes.
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem("shoptrail.session"));
    s.last = Date.now() - 31 * 60 * 1000;
    localStorage.setItem("shoptrail.session", JSON.stringify(s));
    window.shoptrail.track("search", { query: "retry-check" });
  });
  const anon = await page.evaluate(() => window.shoptrail.anonymousId());
  const events = await eventually(async () => {
    const e = await journey(anon);
    return e.some((x) => x.type === "search" && x.properties.query === "retry-check") && e;
  }, "the retried search event");
  assert.ok(attempts >= 3, `sent ${attempts} times`);
  const search = events.find((e) => e.type === "search" && e.properties.query === "retry-check");
  assert.notEqual(search.sessionId, firstSession, "a new session after 30 idle minutes");
  const starts = events.filter((e) => e.type === "session_start" && e.sessionId === search.sessionId);
  assert.equal(starts.length, 1);
  await page.close();
});

test("the landing URL's campaign stays with the session and sets its channel; autocapture records clicks and time on page", async () => {
  const page = await context.newPage();
  await page.goto(`${BASE}/demo/`);
  // A new visitor (the earlier tests signed in), with the demo's autocapture switched on.
  await page.evaluate(() => {
    window.shoptrail.reset();
    localStorage.setItem("demo.autocapture", "1");
  });
  await page.goto(`${BASE}/demo/?utm_source=newsletter&utm_medium=email&utm_campaign=May`);
  const anon = await page.evaluate(() => window.shoptrail.anonymousId());
  await page.click("#product-SKU-1");
  await page.waitForURL(/\/demo\/products\/SKU-1$/);
  await page.evaluate(() => localStorage.removeItem("demo.autocapture"));
  await page.goto("about:blank");

  const events = await eventually(async () => {
    const e = await journey(anon);
    const t = types(e);
    return t.filter((x) => x === "page_view").length >= 2 && t.includes("navigation_click") &&
      t.filter((x) => x === "page_unload").length >= 2 && e;
  }, "the campaign visit with autocaptured events");
  const views = events.filter((e) => e.type === "page_view");
  for (const v of views) {
    assert.deepEqual(v.context.campaign, { source: "newsletter", medium: "email", name: "May" });
    assert.equal(v.derived.channel, "Email");
    assert.equal(v.derived.campaign, "May");
    assert.equal(typeof v.context.timezone, "string");
    assert.equal(typeof v.context.screen.width, "number");
  }
  assert.deepEqual(views.map((v) => v.derived.page).sort(), ["/demo/", "/demo/products/SKU-1"]);
  const click = events.find((e) => e.type === "navigation_click");
  assert.equal(click.properties.element_id, "product-SKU-1");
  assert.match(click.properties.href, /\/demo\/products\/SKU-1$/);
  for (const leave of events.filter((e) => e.type === "page_unload")) {
    assert.equal(typeof leave.properties.time_on_page, "number");
    assert.ok(leave.properties.time_on_page >= 0);
  }
  await page.close();
});

/** A fresh context whose requests to the API's ingestion endpoints are recorded. */
async function freshPage(init) {
  const ctx = await browser.newContext({ userAgent: USER_AGENT });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  const sent = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/v1/")) sent.push(r.url());
  });
  const failures = [];
  page.on("pageerror", (e) => failures.push(String(e)));
  return { ctx, page, sent, failures };
}

/** The tracker's cookie and localStorage keys on the page (the demo's own keys excluded). */
async function trackerStorage(page) {
  const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("shoptrail.")));
  const cookies = (await page.context().cookies()).map((c) => c.name).filter((n) => n.startsWith("shoptrail"));
  return { keys, cookies };
}

test("with consent pending nothing is stored or sent until the visitor accepts; then the held events arrive", async () => {
  const { ctx, page, sent, failures } = await freshPage();
  await page.goto(`${BASE}/demo/`);
  await page.waitForSelector("#consent-banner");
  assert.equal(await page.evaluate(() => window.shoptrail.consent()), "pending");
  await page.evaluate(() => window.shoptrail.track("consent_probe", { step: "before" }));
  // Flushing and hiding the page would send anything queued; nothing must go.
  await page.evaluate(async () => {
    await window.shoptrail.flush();
    window.dispatchEvent(new Event("pagehide"));
  });
  assert.equal(await page.evaluate(() => window.shoptrail.held()), 2, "page view and probe held in memory");
  assert.deepEqual(await trackerStorage(page), { keys: [], cookies: [] });
  assert.deepEqual(sent, [], "no request reached the API before consent");

  await page.click("#consent-accept");
  assert.equal(await page.evaluate(() => window.shoptrail.consent()), "granted");
  const anon = await page.evaluate(() => window.shoptrail.anonymousId());
  const stored = await trackerStorage(page);
  assert.ok(stored.keys.includes("shoptrail.anonymousId"), `stored after consent: ${stored.keys}`);
  assert.deepEqual(stored.cookies, ["shoptrail_aid"]);
  const events = await eventually(async () => {
    const e = await journey(anon);
    return types(e).includes("consent_probe") && types(e).includes("page_view") && e;
  }, "the events held until consent");
  const probe = events.find((e) => e.type === "consent_probe");
  assert.deepEqual(probe.properties, { step: "before" });
  assert.ok(sent.length >= 1);
  assert.deepEqual(failures, []);
  await ctx.close();
});

test("a visitor who declines is never tracked and what the tracker stored is removed", async () => {
  // An earlier visit with consent left an id, a session and a queue behind.
  const { ctx, page, sent } = await freshPage(() => {
    if (location.pathname.startsWith("/demo") && !sessionStorage.getItem("seeded")) {
      sessionStorage.setItem("seeded", "1");
      localStorage.setItem("shoptrail.anonymousId", "00000000-0000-4000-8000-000000000001");
      localStorage.setItem("shoptrail.queue", "[]");
      document.cookie = "shoptrail_aid=00000000-0000-4000-8000-000000000001; Path=/";
    }
  });
  await page.goto(`${BASE}/demo/`);
  await page.click("#consent-decline");
  assert.equal(await page.evaluate(() => window.shoptrail.consent()), "denied");
  assert.deepEqual(await trackerStorage(page), { keys: [], cookies: [] });
  await page.click("#product-SKU-1");
  await page.waitForURL(/\/demo\/products\/SKU-1$/);
  await page.click("#add-to-cart");
  await page.evaluate(async () => {
    window.shoptrail.identify("declined@example.com");
    await window.shoptrail.flush();
    window.dispatchEvent(new Event("pagehide"));
  });
  assert.equal(await page.evaluate(() => window.shoptrail.consent()), "denied", "the choice is kept across pages");
  assert.deepEqual(await trackerStorage(page), { keys: [], cookies: [] });
  assert.equal(await page.$("#consent-banner"), null, "no banner once the choice is made");
  assert.deepEqual(sent, [], "nothing was sent");
  await ctx.close();
});

test("Global Privacy Control means denied when the page respects it, even if the page grants", async () => {
  const { ctx, page, sent } = await freshPage(() => {
    Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true });
  });
  await page.goto(`${BASE}/demo/`);
  assert.equal(await page.evaluate(() => window.shoptrail.consent()), "denied");
  assert.equal(await page.$("#consent-banner"), null, "nothing to ask");
  const afterGrant = await page.evaluate(async () => {
    const state = window.shoptrail.consent("granted");
    window.shoptrail.track("gpc_probe");
    await window.shoptrail.flush();
    return state;
  });
  assert.equal(afterGrant, "denied");
  // A page that does not ask for privacy signals to be respected tracks as it is told.
  const ignoring = await page.evaluate(() => {
    const t = window.shoptrail.load({ writeKey: document.body.dataset.writeKey });
    return t.consent();
  });
  assert.equal(ignoring, "granted");
  await page.evaluate(() => window.shoptrail.consent("denied"));
  assert.deepEqual(sent, [], "nothing was sent while GPC was respected");
  assert.deepEqual(await trackerStorage(page), { keys: [], cookies: [] });
  await ctx.close();
});
