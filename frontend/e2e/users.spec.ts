import { expect, shot, test } from './fixtures';
import { sessionSteps } from './seed';

test('users are searchable and a journey opens grouped by session', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'e2e-user-00' })).toBeVisible();
  await shot(page, 'users');
  await page.getByLabel('Search by id, email or name').fill('e2e-user-12');
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

test('the users list sorts on the server by a clicked column and counts what a search finds', async ({ page }) => {
  await page.goto('/users');
  await expect(page.getByRole('link', { name: 'e2e-user-00' })).toBeVisible();
  const events = page.getByRole('columnheader', { name: 'Events' });
  await events.getByRole('button').click();
  await expect(events).toHaveAttribute('aria-sort', 'descending');
  await expect(page).toHaveURL(/sort=eventCount&order=desc/);
  // Users 0 and 12 have the most events (12 each); ties go by id, descending.
  const firstColumn = page.locator('tbody tr td:first-child a');
  await expect(firstColumn.nth(0)).toHaveText('e2e-user-12');
  await expect(firstColumn.nth(1)).toHaveText('e2e-user-00');
  await events.getByRole('button').click();
  await expect(events).toHaveAttribute('aria-sort', 'ascending');
  await expect(firstColumn.nth(0)).not.toHaveText('e2e-user-12');

  await page.getByLabel('Search by id, email or name').fill('E2E-USER-1');
  await expect(page.getByTestId('users-total')).toHaveText('10 people');
  await expect(page.locator('tbody tr')).toHaveCount(10);
  const csv = page.getByRole('link', { name: 'Download CSV' });
  await expect(csv).toHaveAttribute('href', /\/v1\/users\.csv\?q=E2E-USER-1&sort=eventCount&order=asc/);
  const download = await page.request.get((await csv.getAttribute('href')) ?? '');
  const lines = (await download.text()).trim().split('\r\n');
  expect(lines[0]).toBe('userId,anonymous,firstSeen,lastSeen,eventCount,lastEventType,email,name,traits');
  expect(lines).toHaveLength(11);
  await shot(page, 'users-sorted');
});

test('the live view shows an event sent after it opened', async ({ page, api }) => {
  await page.goto('/live');
  await expect(page.getByRole('heading', { name: 'Live', exact: true })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('Connected');
  await page.getByLabel('User id').fill('e2e-live-user');
  // A stream starts with the last minute's arrivals, so the event shows even if it lands
  // before the filtered stream has reconnected.
  const sent = await page.request.post('/v1/events', {
    headers: { 'x-write-key': api.writeKey },
    data: [{ messageId: 'e2e-live-1', userId: 'e2e-live-user', type: 'add_to_cart', timestamp: new Date().toISOString() }],
  });
  expect(sent.ok()).toBeTruthy();
  await expect(page.locator('tr[data-event-id="e2e-live-1"]')).toContainText('add_to_cart');
});
