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
