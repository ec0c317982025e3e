import { expect, shot, test } from './fixtures';
import { seededByChannel } from './seed';

const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay'];

// Every seeded buyer arrives through one channel on both visits, so every model gives that
// channel all of its buyers' orders: the newsletter (Email) buyers' two orders each.
test('the attribution page shows the seeded orders under every model side by side', async ({ page }) => {
  const email = seededByChannel().Email!;
  const buyers = email.orders / 2;
  await page.goto('/');
  await page.getByRole('link', { name: 'Attribution' }).click();
  await expect(page.getByRole('heading', { name: 'Attribution', level: 1 })).toBeVisible();

  const row = page.locator('tr[data-value="Email"]');
  for (const m of MODELS) {
    await expect(row.locator(`td[data-model="${m}"]`)).toHaveAttribute('data-raw', String(email.revenue));
  }
  const body = await (await page.request.get('/v1/reports/attribution')).json();
  const money = new Intl.NumberFormat('en', { style: 'currency', currency: body.currency });
  await expect(row.locator('td[data-model="linear"]')).toHaveText(money.format(email.revenue));
  await expect(page.getByRole('columnheader', { name: 'Time decay' })).toBeVisible();

  // Conversions: each Email buyer once, however many orders.
  await page.getByLabel('Show', { exact: true }).selectOption('conversions');
  await expect(page).toHaveURL(/figure=conversions/);
  await expect(row.locator('td[data-model="first"]')).toHaveAttribute('data-raw', String(buyers));

  // By campaign: the spring-sale newsletter gets the same credit.
  await page.getByLabel('Credit to').selectOption('utmCampaign');
  await expect(page).toHaveURL(/dimension=utmCampaign/);
  await expect(page.locator('tr[data-value="spring-sale"] td[data-model="timeDecay"]')).toHaveAttribute(
    'data-raw',
    String(buyers),
  );

  // A one-day window still holds the visit each order was placed in.
  await page.getByLabel('Lookback (days)').fill('1');
  await expect(page).toHaveURL(/lookbackDays=1/);
  await page.reload();
  await expect(page.getByLabel('Lookback (days)')).toHaveValue('1');
  await expect(page.getByLabel('Credit to')).toHaveValue('utmCampaign');
  await expect(page.locator('tr[data-value="spring-sale"] td[data-model="position"]')).toHaveAttribute(
    'data-raw',
    String(buyers),
  );
  await shot(page, 'attribution');
});
