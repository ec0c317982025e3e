import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, shot, test } from './fixtures';
import { SEEDED_USERS, isoDay, seededByChannel } from './seed';

const KPIS = ['visitors', 'sessions', 'bounceRate', 'avgSessionSeconds', 'orders', 'revenue', 'aov', 'conversionRate'];

/** The number a KPI card holds (its data-value, unformatted). */
const kpi = async (page: Page, id: string) => Number(await page.locator(`[data-kpi="${id}"] .kpi-value`).getAttribute('data-value'));

/** The figure a breakdown panel shows for one row and metric (data-value, unformatted). */
const cell = (page: Page, panel: string, value: string, metric: string) =>
  page.locator(`[data-panel="${panel}"] tr[data-value="${value}"] td[data-metric="${metric}"]`);

/** The API's totals for the default range (the last 30 days), with filters. */
async function totals(page: Page, filters: string[] = []) {
  const qs = new URLSearchParams({ dimension: 'channel', metrics: KPIS.join(','), limit: '1' });
  filters.forEach((f) => qs.append('filter', f));
  const r = await page.request.get(`/v1/reports/breakdown?${qs}`);
  expect(r.status()).toBe(200);
  return (await r.json()).total as Record<string, number>;
}

async function waitForFigures(page: Page) {
  await expect(page.locator('[data-kpi="visitors"] .kpi-value')).toHaveAttribute('data-value', /\d/);
  await expect(page.locator('[role="status"].state-loading')).toHaveCount(0);
}

test('the overview shows the seeded visits in its cards and panels', async ({ page }) => {
  await page.goto('/');
  await waitForFigures(page);
  const api = await totals(page);
  for (const id of ['visitors', 'sessions', 'orders', 'revenue']) expect(await kpi(page, id), id).toBe(api[id]);
  // Other specs may add a few events; none of the seed is missing.
  expect(api.visitors).toBeGreaterThanOrEqual(SEEDED_USERS);
  const seed = seededByChannel();
  expect(api.orders).toBeGreaterThanOrEqual(12);
  await expect(page.locator('[data-kpi="revenue"] .kpi-value')).toHaveText(
    new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(api.revenue!),
  );
  // The shop's zone beside the range.
  await expect(page.locator('.zone')).toHaveText('Days in time zone UTC');
  await expect(page.getByText(/^Updated at /)).toBeVisible();

  // Channels: exactly the seed's sessions and revenue.
  for (const channel of ['Organic Search', 'Email']) {
    await expect(cell(page, 'sources', channel, 'sessions')).toHaveAttribute('data-value', String(seed[channel]!.sessions));
    await expect(cell(page, 'sources', channel, 'revenue')).toHaveAttribute('data-value', String(seed[channel]!.revenue));
  }
  await expect(page.locator('[data-panel="sources"] tr[data-value="Organic Search"] th')).toHaveText('Organic Search');
  // Campaigns and sources tabs.
  await page.locator('[data-panel="sources"]').getByRole('tab', { name: 'Campaign' }).click();
  await expect(cell(page, 'sources', 'spring-sale', 'sessions')).toHaveAttribute('data-value', String(seed.Email!.sessions));
  await page.locator('[data-panel="sources"]').getByRole('tab', { name: 'Source' }).click();
  await expect(cell(page, 'sources', 'newsletter', 'sessions')).toHaveAttribute('data-value', String(seed.Email!.sessions));
  // Pages: every seeded visit lands on /p/1 (its first page view).
  await expect(cell(page, 'pages', '/p/1', 'sessions')).toHaveAttribute('data-value', String(2 * SEEDED_USERS));
  // Locations from the trusted proxy's header, devices from the user agent.
  await expect(cell(page, 'locations', 'ES', 'sessions')).toHaveAttribute('data-value', '24');
  await expect(cell(page, 'locations', 'DE', 'sessions')).toHaveAttribute('data-value', '24');
  await expect(cell(page, 'devices', 'mobile', 'sessions')).toHaveAttribute('data-value', '24');
  await expect(page.locator('[data-panel="devices"] tr[data-value="mobile"] th')).toHaveText('Mobile');
  await page.locator('[data-panel="devices"]').getByRole('tab', { name: 'Browser' }).click();
  await expect(cell(page, 'devices', 'Safari', 'sessions')).toHaveAttribute('data-value', '24');
  await page.locator('[data-panel="devices"]').getByRole('tab', { name: 'Operating system' }).click();
  await expect(cell(page, 'devices', 'iOS', 'sessions')).toHaveAttribute('data-value', '24');

  // The trend's metric picker.
  await page.getByLabel('Metric').selectOption('revenue');
  await expect(page.getByRole('heading', { name: 'Revenue over time' })).toBeVisible();
  await expect(page.locator('[data-panel="overview-trend"] .chart-svg')).toBeVisible();
  await shot(page, 'overview');
});

test('clicking a row filters the whole page, and the chip takes it off', async ({ page }) => {
  await page.goto('/');
  await waitForFigures(page);
  const all = await kpi(page, 'sessions');
  const seed = seededByChannel();

  await page.locator('[data-panel="sources"]').getByRole('button', { name: 'Email', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Active filters' }).getByText('Channel is Email')).toBeVisible();
  await expect(page).toHaveURL(/[?&]filter=channel%3AEmail/);
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(seed.Email!.sessions));
  await expect(page.locator('[data-kpi="revenue"] .kpi-value')).toHaveAttribute('data-value', String(seed.Email!.revenue));
  // Other panels follow: only the Email channel is left, its users split evenly by device.
  await expect(page.locator('[data-panel="sources"] tbody tr')).toHaveCount(1);
  await expect(cell(page, 'devices', 'mobile', 'sessions')).toHaveAttribute('data-value', '8');
  const api = await totals(page, ['channel:Email']);
  expect(await kpi(page, 'visitors')).toBe(api.visitors);

  // A second filter narrows further.
  await page.locator('[data-panel="devices"]').getByRole('button', { name: 'Mobile', exact: true }).click();
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', '8');
  await expect(page.locator('.chip')).toHaveCount(2);
  await shot(page, 'overview-filtered');

  await page.getByRole('button', { name: 'Remove filter Channel is Email' }).click();
  await page.getByRole('button', { name: 'Remove filter Device is Mobile' }).click();
  await expect(page.locator('.chip')).toHaveCount(0);
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(all));
});

test('range and filters survive a reload and a shared link', async ({ page }) => {
  await page.goto('/');
  await waitForFigures(page);
  await page.getByRole('button', { name: 'Last 7 days' }).click();
  await page.locator('[data-panel="locations"]').getByRole('button', { name: 'ES', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`from=${isoDay(6)}&to=${isoDay()}&filter=country%3AES`));
  const week = new URLSearchParams({ dimension: 'channel', metrics: 'sessions', from: isoDay(6), to: isoDay() });
  week.append('filter', 'country:ES');
  const expected = (await (await page.request.get(`/v1/reports/breakdown?${week}`)).json()).total.sessions as number;
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(expected));
  // The change against the 7 days before, where the seed has visits too.
  const before = new URLSearchParams({ dimension: 'channel', metrics: 'sessions', from: isoDay(13), to: isoDay(7) });
  before.append('filter', 'country:ES');
  const previous = (await (await page.request.get(`/v1/reports/breakdown?${before}`)).json()).total.sessions as number;
  expect(previous).toBeGreaterThan(0);
  await expect(page.locator('[data-kpi="sessions"] .kpi-change')).toHaveAttribute('data-change', String((expected - previous) / previous));
  // The tab and the trend's metric travel in the link too.
  await page.locator('[data-panel="sources"]').getByRole('tab', { name: 'Campaign' }).click();
  await page.getByLabel('Metric').selectOption('orders');
  await expect(page).toHaveURL(/[?&]sources=utmCampaign/);
  await expect(page).toHaveURL(/[?&]metric=orders/);
  const url = page.url();

  await page.reload();
  await expect(page.locator('[data-panel="sources"]').getByRole('tab', { name: 'Campaign' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'Orders over time' })).toBeVisible();
  await expect(page.getByText('Country is ES')).toBeVisible();
  await expect(page.getByLabel('From', { exact: true })).toHaveValue(isoDay(6));
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(isoDay());
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(expected));

  // The same link in a new tab shows the same view.
  const other = await page.context().newPage();
  await other.goto(url);
  await expect(other.getByText('Country is ES')).toBeVisible();
  await expect(other.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(expected));
  await other.close();
});

test('every panel and the trend download as CSV', async ({ page }) => {
  await page.goto('/');
  await waitForFigures(page);
  const seed = seededByChannel();
  const download = async (name: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    return { name: file.suggestedFilename(), text: readFileSync((await file.path())!, 'utf8') };
  };

  const sources = await download('Download Sources · Channel as CSV');
  expect(sources.name).toMatch(/^sources-channel-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = sources.text.trimEnd().split('\r\n');
  expect(lines[0]).toBe('channel,visitors,sessions,bounceRate,conversionRate,revenue');
  const email = lines.find((l) => l.startsWith('Email,'))!.split(',');
  expect(Number(email[2])).toBe(seed.Email!.sessions);
  expect(Number(email[5])).toBe(seed.Email!.revenue);

  const devices = await download('Download Devices · Device as CSV');
  expect(devices.text).toMatch(/\r\nmobile,\d+,24,/);

  const trend = await download('Download Visitors over time as CSV');
  const rows = trend.text.trimEnd().split('\r\n');
  expect(rows[0]).toBe('day,visitors,previousBucket,previous_visitors');
  expect(rows).toHaveLength(1 + 30);
  expect(rows.at(-1)!.startsWith(`${isoDay()},`)).toBe(true);
});

test('the commerce page: revenue, orders and buyers, by day and by channel', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Commerce', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Commerce', exact: true })).toBeVisible();
  await expect(page.locator('[data-kpi="revenue"] .kpi-value')).toHaveAttribute('data-value', /\d/);
  const seed = seededByChannel();
  const r = await page.request.get('/v1/reports/breakdown?dimension=channel&metrics=revenue,orders,aov,buyers,newBuyers,returningBuyers');
  const total = (await r.json()).total;
  for (const id of ['revenue', 'orders', 'aov', 'buyers', 'newBuyers', 'returningBuyers']) expect(await kpi(page, id), id).toBe(total[id]);
  // Six seeded buyers, all buying for the first time in the range.
  expect(total.buyers).toBeGreaterThanOrEqual(6);
  expect(total.newBuyers).toBe(total.buyers);
  for (const [channel, c] of Object.entries(seed)) {
    await expect(cell(page, 'commerce-channels', channel, 'orders')).toHaveAttribute('data-value', String(c.orders));
    await expect(cell(page, 'commerce-channels', channel, 'revenue')).toHaveAttribute('data-value', String(c.revenue));
  }
  await expect(page.locator('[data-panel="buyers"] .bar-row')).toHaveCount(2);
  await expect(page.locator('[data-panel="commerce-trend"] .chart-svg')).toBeVisible();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download By channel · Channel as CSV' }).click(),
  ]);
  const text = readFileSync((await file.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toBe('channel,revenue,orders,aov,conversionRate,sessions');
  expect(text).toContain(`\r\nEmail,${seed.Email!.revenue},${seed.Email!.orders},`);
  await shot(page, 'commerce');
});

test('the overview refreshes itself every minute and says when', async ({ page, api }) => {
  await page.clock.install();
  await page.goto('/');
  await waitForFigures(page);
  const before = await kpi(page, 'sessions');
  const updated = await page.locator('.refreshed').textContent();
  // A new visit arrives while the page is open.
  const r = await fetch(`${api.baseURL}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': api.writeKey },
    body: JSON.stringify([
      {
        messageId: `refresh-${Date.now()}`,
        // A seeded user, so the users list keeps its first page as the users spec expects.
        userId: 'e2e-user-23',
        sessionId: `refresh-${Date.now()}`,
        type: 'page_view',
        timestamp: new Date(Date.now() - 60_000).toISOString(),
        context: { page: { path: '/fresh' } },
      },
    ]),
  });
  expect(r.status).toBe(202);
  await page.clock.fastForward('00:30');
  expect(await kpi(page, 'sessions'), 'not refetched before the minute').toBe(before);
  await page.clock.fastForward('00:31');
  await expect(page.locator('[data-kpi="sessions"] .kpi-value')).toHaveAttribute('data-value', String(before + 1));
  await expect(page.locator('.refreshed')).not.toHaveText(updated!);
  await expect(page.locator('.refreshed')).toContainText('Updated at');
});

test('the overview fits a tablet without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.goto('/');
  await waitForFigures(page);
  await shot(page, 'overview-tablet');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  expect(overflow, 'the overview scrolls sideways on a tablet').toBe(false);
});
