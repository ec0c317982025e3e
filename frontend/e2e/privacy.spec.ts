import { expect, shot, test } from './fixtures';

// A person of this spec's own (the seeded people stay as other specs expect them).
async function seedPerson(baseURL: string, writeKey: string, id: string): Promise<void> {
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const events = [
    { messageId: `${id}-1`, userId: id, type: 'page_view', timestamp: at(7_200_000), context: { page: { path: '/' } } },
    { messageId: `${id}-2`, userId: id, type: 'add_to_cart', timestamp: at(7_100_000) },
  ];
  const r = await fetch(`${baseURL}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': writeKey },
    body: JSON.stringify(events),
  });
  expect(r.status).toBe(202);
}

test('an admin downloads a person\u2019s data and erases them after typing their id', async ({ page, api }) => {
  test.setTimeout(120_000);
  const person = 'e2e-erase-me';
  await seedPerson(api.baseURL, api.writeKey, person);
  await page.goto(`/users/${person}`);
  await expect(page.getByRole('heading', { name: 'Journey' })).toBeVisible();

  const download = page.getByRole('link', { name: 'Download data' });
  const r = await page.request.get((await download.getAttribute('href')) ?? '');
  expect(r.status()).toBe(200);
  expect(r.headers()['content-disposition']).toBe(`attachment; filename="person-${person}.ndjson"`);
  const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l) as { record: string });
  expect(lines.map((l) => l.record)).toEqual(['profile', 'ids', 'event', 'event']);

  await page.getByRole('button', { name: 'Erase this person' }).click();
  const confirm = page.getByRole('button', { name: 'Erase permanently' });
  await page.getByLabel(`Type ${person} to confirm`).fill('e2e-erase');
  await expect(confirm).toBeDisabled();
  await page.getByLabel(`Type ${person} to confirm`).fill(person);
  await shot(page, 'user-erase-confirm');
  await confirm.click();
  await expect(page.getByRole('status')).toContainText('The erasure is queued.');

  await page.getByRole('link', { name: 'Follow it on the Jobs page.' }).click();
  const row = page.locator('tr[data-job-kind="erase"]').first();
  await expect(row).toContainText('Erasure');
  await expect(row).toContainText(`Person ${person}`);
  await expect(page.locator('tr[data-job-kind="erase"][data-job-status="succeeded"]')).toBeVisible({ timeout: 60_000 });
  await shot(page, 'jobs-erasure');

  // Asked through the API (the page would log the 404 as a console error).
  expect((await page.request.get(`/v1/users/${person}`)).status()).toBe(404);
  const journey = (await (await page.request.get(`/v1/users/${person}/journey`)).json()) as { items: unknown[] };
  expect(journey.items).toEqual([]);
});

test.describe('a viewer', () => {
  test.use({ member: 'viewer' });

  test('sees no privacy actions on a user page', async ({ page }) => {
    await page.goto('/users/e2e-user-03');
    await expect(page.getByRole('heading', { name: 'Journey' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Erase this person' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Download data' })).toHaveCount(0);
  });
});
