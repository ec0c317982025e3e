import { expect, shot, test } from './fixtures';
import { isoDay, seededFunnel } from './seed';

test('a funnel shows the API numbers per step', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Funnels' }).click();
  await expect(page.getByRole('heading', { name: 'Funnels' })).toBeVisible();
  await page.getByRole('button', { name: 'Show funnel' }).click();
  await expect(page.locator('.funnel-step')).toHaveCount(3);
  const r = await page.request.post('/v1/funnels', {
    data: { steps: ['product_view', 'add_to_cart', 'purchase'], from: isoDay(29), to: isoDay(), windowSeconds: 86400 },
  });
  expect(r.status()).toBe(200);
  const expected: number[] = (await r.json()).steps.map((s: { entered: number }) => s.entered);
  const shown = await page
    .locator('.funnel-step')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-entered'))));
  expect(shown).toEqual(expected);
  expect(shown).toEqual(seededFunnel());
  await shot(page, 'funnel');
});

test('a funnel from the URL splits by channel, lists who dropped off and links to their journeys', async ({ page }) => {
  const q = new URLSearchParams();
  q.append('step', 'product_view|channel!=Referral');
  q.append('step', 'add_to_cart');
  q.append('step', 'purchase');
  for (const [k, v] of Object.entries({ within: '1', unit: 'days', from: isoDay(29), to: isoDay(), breakdown: 'channel', dropOff: '1', trend: '1' })) q.set(k, v);
  await page.goto(`/funnels?${q}`);
  await expect(page.locator('.funnel-step')).toHaveCount(3);
  const shown = await page.locator('.funnel-step').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-entered'))));
  expect(shown).toEqual(seededFunnel());
  // The seed: 8 people per channel, 4 of each cart, 2 of each buy.
  const rows = page.locator('[data-panel="funnel-breakdown"] tbody tr');
  await expect(rows).toHaveCount(3);
  for (const channel of ['Direct', 'Email', 'Organic Search']) {
    const cells = rows.filter({ has: page.locator(`th:text-is("${channel}")`) }).locator('td[data-entered]');
    await expect(cells).toHaveCount(3);
    expect(await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-entered'))))).toEqual([8, 4, 2]);
  }
  await expect(page.locator('.funnel-median').first()).toBeVisible();
  await expect(page.locator('[data-panel="funnel-trend"]')).toBeVisible();
  const dropped = page.locator('[data-panel="funnel-drop-off"] .drop-off-list a');
  await expect(dropped).toHaveCount(6);
  await expect(dropped.first()).toHaveText('e2e-user-02');
  await dropped.first().click();
  await expect(page).toHaveURL(/\/users\/e2e-user-02$/);
});

test('a misspelled step is flagged and a funnel is saved, reopened and deleted', async ({ page }) => {
  await page.goto('/funnels');
  await page.getByLabel('Step 3', { exact: true }).fill('purchse');
  await page.getByRole('button', { name: 'Add a filter to step 2' }).click();
  await page.getByLabel('Step 2 filter 1').fill('device:mobile');
  await page.getByRole('button', { name: 'Show funnel' }).click();
  await expect(page.locator('[data-panel="funnel-warnings"]')).toContainText('purchse');
  expect(new URL(page.url()).searchParams.getAll('step')).toEqual(['product_view', 'add_to_cart|device:mobile', 'purchse']);
  const name = `Mobile carts ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Save as new' }).click();
  await expect(page.getByLabel('Saved funnel')).toHaveValue(/.+/);
  // Open it from a fresh page: the steps and filter come back.
  await page.goto('/funnels');
  await page.getByLabel('Saved funnel').selectOption({ label: name });
  await expect(page.getByLabel('Step 2 filter 1')).toHaveValue('device:mobile');
  await expect(page.locator('.funnel-step')).toHaveCount(3);
  await page.getByRole('button', { name: `Delete “${name}”` }).click();
  await expect(page.getByLabel('Saved funnel').locator('option', { hasText: name })).toHaveCount(0);
});
