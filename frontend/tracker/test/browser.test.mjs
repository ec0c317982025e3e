// The tracker in a real browser (headless Chromium via playwright-core) on the demo shop:
// page views and track events for one anonymous id, delivered across navigations by
// sendBeacon on page hide, then joined to the user's journey by identify.
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

let profileDir;
let context;

before(async () => {
  profileDir = mkdtempSync(join(tmpdir(), "shoptrail-chromium-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // Headless Chromium says "HeadlessChrome", which the server counts as a bot (no profile,
    // no session); the demo shopper's browser says what desktop Chrome says.
    userAgent:
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    args: ARGS,
  });
});

after(async () => {
  await context?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

test("clicking through the demo shop records one anonymous journey, across navigations", async () => {
  const page = await context.newPage();
  const failures = [];
  page.on("pageerror", (e) => failures.push(String(e)));
  await page.goto(`${BASE}/demo/`);
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
