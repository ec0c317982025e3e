// Retries are never refused: the API unreachable for 5 s while 5 events are sent, then
// back; and the same with the API answering 503 (+ Retry-After) for 5 s. 5 of 5 arrive.
import { expect, test } from '@playwright/test';
import { edge, waitForJourney } from '../support/api.mjs';
import { setups, uid } from './setups.mjs';

const windows = [
  { mode: 'down', what: 'unreachable', hit: 'dropped' },
  { mode: '503', what: 'answering 503', hit: 'refused503' },
];

for (const setup of setups) {
  for (const w of windows) {
    test(`${setup.name}: API ${w.what} for 5 s, 5 of 5 events arrive`, async ({ page }) => {
      const user = uid(`outage-${w.mode}`);
      await page.goto(`https://shop.test/${setup.page}`);
      await page.evaluate(() => window.shop.ready);
      await page.evaluate((user) => window.shop.identify(user, { plan: 'free' }), user);
      await waitForJourney(user, (evs) => evs.some((e) => e.type === 'identify'));

      const before = await edge(w.mode, 5000);
      for (let i = 1; i <= 5; i++) {
        await page.evaluate((i) => window.shop.track(`Outage ${i}`, { n: i }), i);
        await page.waitForTimeout(300);
      }
      const names = (evs) => new Set(evs.filter((e) => /^Outage \d$/.test(e.type)).map((e) => e.type));
      const events = await waitForJourney(user, (evs) => names(evs).size === 5, 60_000);
      const after = await edge('up');
      expect(after[w.hit] - before[w.hit], 'the window hit deliveries').toBeGreaterThan(0);
      expect([...names(events)].sort()).toEqual(['Outage 1', 'Outage 2', 'Outage 3', 'Outage 4', 'Outage 5']);
      // Stored once each, however often retried.
      expect(events.filter((e) => /^Outage \d$/.test(e.type))).toHaveLength(5);
    });
  }
}
