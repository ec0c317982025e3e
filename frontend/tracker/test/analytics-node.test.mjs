// Segment's own server library for Node (@segment/analytics-node, unmodified, from npm),
// configured only with our host and a write key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Analytics } from "@segment/analytics-node";

import { BASE, WRITE_KEY, eventually, journey, read, types } from "./helpers.mjs";

function client() {
  const errors = [];
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: BASE, flushInterval: 200, maxRetries: 3 });
  analytics.on("error", (e) => errors.push(e));
  return { analytics, errors };
}

test("analytics-node delivers track, identify, page and alias to the user's journey", async () => {
  const { analytics, errors } = client();
  analytics.page({ anonymousId: "node-anon", category: "Shop", name: "Home", properties: { path: "/" } });
  analytics.track({ anonymousId: "node-anon", event: "product_view", properties: { sku: "SKU-1" } });
  analytics.identify({ anonymousId: "node-anon", userId: "node-user", traits: { email: "node@example.com" } });
  analytics.track({ userId: "node-user", event: "purchase", properties: { total: 89 } });
  analytics.alias({ previousId: "node-user", userId: "node-user-2" });
  await analytics.closeAndFlush();
  assert.deepEqual(errors, []);
  const events = await eventually(async () => {
    const e = await journey("node-user-2");
    return e.length >= 5 && e;
  }, "five events in node-user-2's journey");
  assert.deepEqual(types(events), ["alias", "identify", "page_view", "product_view", "purchase"]);
  const page = events.find((e) => e.type === "page_view");
  assert.equal(page.properties.name, "Home");
  assert.equal(page.properties.category, "Shop");
  assert.equal(page.context.library.name, "@segment/analytics-node");
  const { body: profile } = await read("/v1/users/node-user-2");
  assert.equal(profile.traits.email, "node@example.com");
  assert.equal(profile.eventCount, 5);
});

test("analytics-node re-sending the same messageIds changes no count", async () => {
  const send = async () => {
    const { analytics, errors } = client();
    for (let i = 0; i < 3; i++) {
      analytics.track({ userId: "node-retry", event: "add_to_cart", messageId: `node-retry-${i}`, timestamp: new Date("2026-11-01T10:00:00Z") });
    }
    await analytics.closeAndFlush();
    assert.deepEqual(errors, []);
  };
  await send();
  const before = await eventually(async () => {
    const { body } = await read("/v1/users/node-retry");
    return body.eventCount === 3 && body;
  }, "three stored events");
  const { body: statsBefore } = await read("/v1/stats?from=2026-11-01&to=2026-11-01");
  await send();
  const { body: after } = await read("/v1/users/node-retry");
  const { body: statsAfter } = await read("/v1/stats?from=2026-11-01&to=2026-11-01");
  assert.deepEqual(after, before);
  assert.deepEqual(statsAfter, statsBefore);
});
