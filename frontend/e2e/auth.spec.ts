import { ADMIN, expect, shot, signIn, test } from './fixtures';

test.describe('signed out', () => {
  test.use({ member: null });

  test('signing in from a deep link returns there', async ({ page }) => {
    await page.goto('/users/e2e-user-04');
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole('heading', { name: 'Sign in to Shoptrail' })).toBeVisible();
    await shot(page, 'sign-in');
    await signIn(page, ADMIN);
    await expect(page).toHaveURL(/\/users\/e2e-user-04$/);
    await expect(page.getByRole('heading', { name: 'User e2e-user-04' })).toBeVisible();
  });
});

test('keyboard: the first Tab reaches the skip link', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
});

test('an expired session goes to sign-in and back to the page', async ({ page, context }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('link', { name: 'e2e-user-00' })).toBeVisible();
  await context.clearCookies();
  // The next call the page makes (a new search) meets the ended session.
  await page.getByLabel('Search by id, email or name').fill('e2e-user-1');
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText('Your session has ended')).toBeVisible();
  await signIn(page, ADMIN);
  // Back to the list as it was, search included (it lives in the URL).
  await expect(page).toHaveURL(/\/users(\?q=e2e-user-1)?$/);
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
});
