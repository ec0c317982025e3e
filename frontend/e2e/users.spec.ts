import { expect, shot, test } from './fixtures';
import { sessionSteps } from './seed';

test('users are searchable and a journey opens grouped by session', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'e2e-user-00' })).toBeVisible();
  await shot(page, 'users');
  await page.getByLabel('Search by user id').fill('user-12');
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await page.getByRole('link', { name: 'e2e-user-12' }).click();
  await expect(page.getByRole('heading', { name: 'Journey' })).toBeVisible();
  // Two seeded sessions of the same steps.
  const steps = sessionSteps(12);
  await expect(page.locator('.event')).toHaveCount(2 * steps.length);
  await expect(page.locator('.session')).toHaveCount(2);
  await expect(page.locator('.session-title').first()).toContainText('Session e2e-user-12-s');
  await shot(page, 'user-journey');
  await page.getByLabel('Event type').selectOption('purchase');
  await expect(page.locator('.event')).toHaveCount(2);
  await expect(page.locator('.event .event-type')).toHaveText(['purchase', 'purchase']);
});
