import { expect, findObjects, shot, test } from './fixtures';

test('the test event form sends through ingestion and shows the result', async ({ page, api }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Test event' }).click();
  await page.getByLabel('Write key').fill(api.writeKey);
  await page.getByLabel('User id').fill('e2e-form-user');
  await page.getByLabel('Name 1').fill('path');
  await page.getByRole('button', { name: 'Add a property' }).click();
  await page.getByLabel('Name 2').fill('price');
  await page.getByLabel('Value 2').fill('12.5');
  await page.getByRole('button', { name: 'Send event' }).click();
  await expect(page.locator('.result[data-status="accepted"]')).toBeVisible();
  await shot(page, 'test-event');

  // Stored as sent: the journey shows it.
  await page.goto('/users/e2e-form-user');
  await expect(page.locator('.event')).toHaveCount(1);
  await expect(page.locator('.event .event-type')).toHaveText('page_view');
  await expect(page.locator('.event .event-props')).toHaveText('path: / · price: 12.5');
  // The page cannot tell 12.5 from "12.5": the stored event keeps it a number.
  const r = await page.request.get('/v1/users/e2e-form-user/journey');
  expect(r.status()).toBe(200);
  const stored = findObjects(await r.json(), (o) => o.type === 'page_view' && 'properties' in o);
  expect(stored.map((e) => e.properties)).toEqual([{ path: '/', price: 12.5 }]);
});
