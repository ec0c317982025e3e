import { VIEWER, expect, shot, test } from './fixtures';

test('an admin creates and revokes a write key', async ({ page, baseURL }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.getByRole('cell', { name: VIEWER.email, exact: true })).toBeVisible();
  await shot(page, 'admin-members');

  await page.getByRole('link', { name: 'Write keys' }).click();
  await page.getByLabel('Source').fill('e2e-created');
  await page.getByLabel('Kind').selectOption('server');
  await page.getByRole('button', { name: 'Create write key' }).click();
  const secret = await page.getByLabel('Secret').inputValue();
  expect(secret.length, 'the secret is shown once').toBeGreaterThan(20);
  // The install snippet carries the new secret, and the first-event check turns green when
  // a request authenticates with it.
  const snippet = await page.getByLabel('Send events from your back end, for example:').inputValue();
  expect(snippet).toContain(`x-write-key: ${secret}`);
  expect(snippet).toContain(`${baseURL}/v1/events`);
  await expect(page.getByText('Waiting for the first event with this key…')).toBeVisible();
  const first = await fetch(`${baseURL}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': secret },
    body: JSON.stringify({ userId: 'first-event', type: 'page_view', properties: { path: '/' } }),
  });
  expect(first.status, 'the new key is accepted').toBeLessThan(300);
  await expect(page.getByText(/^First event received/)).toBeVisible();
  await shot(page, 'admin-write-keys');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await page.getByRole('button', { name: 'Revoke e2e-created' }).click();
  await page.getByRole('button', { name: 'Confirm: revoke e2e-created' }).click();
  const row = page.locator('tr[data-key-source="e2e-created"]');
  await expect(row.locator('td', { hasText: 'Server (secret)' })).toBeVisible();
  await expect(row.locator('td', { hasText: 'Revoked' })).toBeVisible();
  // Stored, not just drawn: still revoked after a reload.
  await page.reload();
  await expect(row.locator('td', { hasText: 'Revoked' })).toBeVisible();

  const r = await fetch(`${baseURL}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': secret },
    body: JSON.stringify({ userId: 'x', type: 'page_view' }),
  });
  expect(r.status, 'the revoked key is refused').toBe(401);

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('cell', { name: 'e2e-created' }).first()).toBeVisible();
  await shot(page, 'admin-audit');
});
