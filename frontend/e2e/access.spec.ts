import type { Page } from '@playwright/test';
import { ADMIN, expect, shot, test } from './fixtures';

/** Opens each page and waits until it has drawn its data (no loading state left). */
async function visit(page: Page, pages: (readonly [string, string])[]): Promise<void> {
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, exact: true }).first()).toBeVisible();
    await expect(page.locator('[role="status"].state-loading')).toHaveCount(0);
  }
}

test('no console errors for the admin', async ({ page, consoleErrors }) => {
  await visit(page, [
    ['/', 'Overview'],
    ['/commerce', 'Commerce'],
    ['/users', 'Users'],
    ['/users/e2e-user-00', 'Journey'],
    ['/funnels', 'Funnels'],
    ['/admin/members', 'Members'],
    ['/admin/write-keys', 'Write keys'],
    ['/admin/audit', 'Audit log'],
    ['/test-event', 'Send a test event'],
    ['/jobs', 'Jobs'],
  ]);
  await page.goto('/funnels');
  await page.getByRole('button', { name: 'Show funnel' }).click();
  await expect(page.locator('.funnel-step').first()).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test.describe('as a viewer', () => {
  test.use({ member: 'viewer' });

  test('a viewer is refused the admin panel', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Users', exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Admin' }), 'admin link hidden').toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Test event' }), 'test event link hidden').toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Jobs' }), 'jobs link hidden').toHaveCount(0);
    await page.goto('/admin/members');
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
    await expect(page.getByRole('cell', { name: ADMIN.email })).toHaveCount(0);
    const r = await page.request.get('/v1/admin/members');
    expect(r.status(), 'the API refuses too').toBe(403);
    await shot(page, 'viewer-refused');
  });

  test('no console errors for the viewer', async ({ page, consoleErrors }) => {
    await visit(page, [
      ['/', 'Overview'],
      ['/commerce', 'Commerce'],
      ['/users', 'Users'],
      ['/users/e2e-user-00', 'Journey'],
      ['/funnels', 'Funnels'],
      ['/admin/members', 'No access'],
      ['/jobs', 'No access'],
    ]);
    expect(consoleErrors).toEqual([]);
  });
});
