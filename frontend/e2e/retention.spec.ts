import { expect, shot, test } from './fixtures';
import { SEEDED_USERS } from './seed';

interface Cohort {
  cohort: string;
  size: number;
  returning: number[];
}

test('the retention page shows the API cohorts as a heatmap and keeps its settings in the URL', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Retention' }).click();
  await expect(page.getByRole('heading', { name: 'Retention', level: 1 })).toBeVisible();
  await page.getByLabel('Cohorts by').selectOption('day');
  await page.getByLabel('Periods').fill('4');
  await expect(page).toHaveURL(/interval=day/);
  await expect(page).toHaveURL(/periods=4/);

  const r = await page.request.get('/v1/reports/retention?interval=day&periods=4');
  expect(r.status()).toBe(200);
  const cohorts: Cohort[] = (await r.json()).cohorts;
  const sizes = cohorts.map((c) => c.size);
  expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(SEEDED_USERS);
  const rows = page.locator('tr[data-cohort]');
  await expect(rows).toHaveCount(cohorts.length);
  const shown = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-size'))));
  expect(shown).toEqual(sizes);
  const firstBusy = cohorts.find((c) => c.size > 0)!;
  const cells = await page
    .locator(`tr[data-cohort="${firstBusy.cohort}"] td[data-returning]`)
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-returning'))));
  expect(cells).toEqual(firstBusy.returning);
  await expect(page.getByRole('img', { name: 'Retention curve (average over cohorts)' })).toBeVisible();

  // Coming back on purchases: the heatmap follows the API.
  await page.getByLabel('Returning event').fill('purchase');
  await page.getByLabel('Returning event').press('Tab');
  await expect(page).toHaveURL(/returning=purchase/);
  const bought: Cohort[] = (await (await page.request.get('/v1/reports/retention?interval=day&periods=4&returning=purchase')).json()).cohorts;
  const busy = bought.find((c) => c.size > 0)!;
  await expect
    .poll(() =>
      page
        .locator(`tr[data-cohort="${busy.cohort}"] td[data-returning]`)
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-returning')))),
    )
    .toEqual(busy.returning);

  // The settings survive a reload (they live in the URL).
  await page.reload();
  await expect(page.getByLabel('Cohorts by')).toHaveValue('day');
  await expect(page.getByLabel('Periods')).toHaveValue('4');
  await expect(page.getByLabel('Returning event')).toHaveValue('purchase');
  await shot(page, 'retention');
});
