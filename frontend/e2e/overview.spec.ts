import type { Page } from '@playwright/test';
import { expect, shot, test } from './fixtures';
import { SEEDED_USERS, isoDay, seedEvents } from './seed';

/** The number a KPI card holds (its data-value, unformatted). */
const kpi = async (page: Page, id: string) =>
  Number(await page.locator(`[data-kpi="${id}"] .kpi-value`).getAttribute('data-value'));

test('overview KPIs match the API', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('[data-kpi="events"] .kpi-value')).toHaveAttribute('data-value', /\d/);
  const stats = async (from: string) => {
    const r = await page.request.get(`/v1/stats?from=${from}&to=${isoDay()}`);
    expect(r.status()).toBe(200);
    return r.json();
  };
  const range = await stats(isoDay(29));
  const week = await stats(isoDay(6));
  expect(await kpi(page, 'events')).toBe(range.totalEvents);
  // Other specs may have added a few events since the seed; none of the seed is missing.
  expect(range.totalEvents).toBeGreaterThanOrEqual(seedEvents().length);
  expect(range.totalUsers).toBeGreaterThanOrEqual(SEEDED_USERS);
  expect(await kpi(page, 'users')).toBe(range.totalUsers);
  expect(await kpi(page, 'eventsPerUser')).toBe(range.avgEventsPerUser);
  expect(await kpi(page, 'active7')).toBe(week.totalUsers);
  expect(await kpi(page, 'active30')).toBe(range.totalUsers);
  expect(await kpi(page, 'dauToday')).toBe(week.dailyActiveUsers.at(-1).count);
  await expect(page.locator('[data-kpi="events"] .kpi-value')).toHaveText(
    new Intl.NumberFormat('en').format(range.totalEvents),
  );
  await expect(page.getByRole('heading', { name: 'Events per day' })).toBeVisible();
  await shot(page, 'overview');
});

test('the overview fits a tablet without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Events per day' })).toBeVisible();
  await expect(page.locator('[data-kpi="events"] .kpi-value')).toHaveAttribute('data-value', /\d/);
  await shot(page, 'overview-tablet');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  expect(overflow, 'the overview scrolls sideways on a tablet').toBe(false);
});
