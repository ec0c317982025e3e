// RudderStack's sendBeacon transport (`useBeacon`, what shops use so events survive page
// unloads): deliveries go by navigator.sendBeacon to POST /beacon/v1/batch?writeKey=
// (text/plain, key in the query) and are stored.
//
// Not asserted: that an event tracked in the very moment of leaving (the SDK's own "Page
// Unloaded") makes it. Whether it joins the SDK's flush on page leave depends on the SDK's
// timers: in our runs it arrived in 3 of 5 timings (see docs/segment.md).
import { expect, test } from '@playwright/test';
import { waitForJourney } from '../support/api.mjs';
import { uid } from './setups.mjs';

test('@rudderstack/analytics-js with useBeacon: events sent by beacon are stored', async ({ page }) => {
  const user = uid('beacon');
  const beacons = [];
  page.on('request', (r) => {
    if (r.url().includes('/beacon/v1/batch?writeKey=')) beacons.push(r);
  });
  await page.goto('https://shop.test/rudder-npm.html?beacon');
  await page.evaluate(() => window.shop.ready);
  await page.evaluate((user) => {
    window.shop.identify(user, { plan: 'free' });
    window.shop.track('Checkout Left', { step: 2 });
  }, user);
  const events = await waitForJourney(user, (evs) => evs.some((e) => e.type === 'Checkout Left'));
  expect(beacons.length, 'sent by beacon').toBeGreaterThan(0);
  expect(beacons[0].headers()['content-type']).toContain('text/plain');
  const left = events.find((e) => e.type === 'Checkout Left');
  expect(left?.properties).toMatchObject({ step: 2 });
  expect(left?.sessionId).toMatch(/^\d+$/);
});
