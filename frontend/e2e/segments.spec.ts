import { expect, shot, test } from './fixtures';
import { arrival, country, SEEDED_USERS, sessionSteps, userId } from './seed';

// Seeded people who came from the spring-sale campaign and bought in both their sessions.
const SPRING_BUYERS = [...Array(SEEDED_USERS).keys()]
  .filter((u) => arrival(u).query.includes('spring-sale') && sessionSteps(u).includes('purchase'))
  .map(userId);

// Seeded people a proxy placed in Germany who bought in both their sessions.
const GERMAN_BUYERS = [...Array(SEEDED_USERS).keys()].filter((u) => country(u) === 'DE' && sessionSteps(u).includes('purchase')).map(userId);

test('a segment built in the console narrows the users list and the overview to its members', async ({ page }) => {
  expect(SPRING_BUYERS.length).toBeGreaterThan(0);
  await page.goto('/');
  await page.getByRole('link', { name: 'Segments' }).click();
  await expect(page.getByRole('heading', { name: 'Segments', level: 1 })).toBeVisible();

  await page.getByLabel('Name').fill('Spring repeat buyers');
  // Condition 1: did "purchase" at least twice (in the last 30 days).
  await page.getByLabel('Event type').fill('purchase');
  await page.getByLabel('At least').fill('2');
  // Condition 2: came from the spring-sale campaign.
  await page.getByRole('button', { name: 'Add condition' }).click();
  const second = page.getByRole('group', { name: 'Condition 2' });
  await second.getByLabel('Kind').selectOption('dimension');
  await second.getByLabel('Dimension').selectOption('utmCampaign');
  await second.getByLabel('Value').fill('spring-sale');
  await page.getByRole('button', { name: 'Save segment' }).click();

  const row = page.locator('tr[data-segment="Spring repeat buyers"]');
  await expect(row.getByTestId('segment-members')).toHaveText(String(SPRING_BUYERS.length));

  // The users list narrows to the members, and says so in the URL.
  await row.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/users\?segment=seg_/);
  await expect(page.getByTestId('users-total')).toHaveText(`${SPRING_BUYERS.length} people`);
  const shown = await page.locator('tbody tr td:first-child a').allTextContents();
  expect(shown.sort()).toEqual([...SPRING_BUYERS].sort());
  await expect(page.getByLabel('Segment')).toHaveValue(/^seg_/);
  await shot(page, 'segments-users');

  // Everyone again: the whole list (other specs may have added people to the seed).
  await page.getByLabel('Segment').selectOption('');
  const everyone = (await (await page.request.get('/v1/users?limit=1')).json()).total as number;
  expect(everyone).toBeGreaterThanOrEqual(SEEDED_USERS);
  await expect(page.getByTestId('users-total')).toHaveText(`${everyone} people`);

  // The overview narrows too: its visitors are the members.
  await page.getByLabel('Segment').selectOption({ label: 'Spring repeat buyers' });
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page).not.toHaveURL(/segment=/);
  await page.getByLabel('Segment').selectOption({ label: 'Spring repeat buyers' });
  await expect(page).toHaveURL(/segment=seg_/);
  await expect(page.locator('[data-kpi="visitors"] .kpi-value')).toHaveAttribute('data-value', String(SPRING_BUYERS.length));

  // Edited in place: the builder opens with its conditions; the same id counts anew.
  await page.goto('/segments');
  const id = await page.locator('tr[data-segment="Spring repeat buyers"] a', { hasText: 'Users' }).getAttribute('href');
  await page.locator('tr[data-segment="Spring repeat buyers"]').getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { name: 'Edit segment: Spring repeat buyers' })).toBeVisible();
  await expect(page.getByLabel('Event type')).toHaveValue('purchase');
  await expect(page.getByLabel('At least').first()).toHaveValue('2');
  const edited = page.getByRole('group', { name: 'Condition 2' });
  await expect(edited.getByLabel('Value')).toHaveValue('spring-sale');
  await page.getByLabel('Name').fill('German repeat buyers');
  await edited.getByLabel('Dimension').selectOption('country');
  await edited.getByLabel('Value').fill('DE');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { name: 'New segment' })).toBeVisible();
  await expect(page.locator('tr[data-segment="Spring repeat buyers"]')).toHaveCount(0);
  const german = page.locator('tr[data-segment="German repeat buyers"]');
  expect(GERMAN_BUYERS.length).toBeGreaterThan(0);
  await expect(german.getByTestId('segment-members')).toHaveText(String(GERMAN_BUYERS.length));
  await expect(german.getByRole('link', { name: 'Users' })).toHaveAttribute('href', id ?? '');

  // Deleted, it is gone from the list.
  page.once('dialog', (d) => void d.accept());
  await german.getByRole('button', { name: 'Delete' }).click();
  await expect(german).toHaveCount(0);
  await shot(page, 'segments');
});
