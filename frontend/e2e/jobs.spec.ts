import { expect, shot, test } from './fixtures';

test('jobs: backfill an export and import a file with a dry run first', async ({ page, context }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Export this day' }).click();
  await expect(page.locator('tr[data-job-kind="export"][data-job-status="succeeded"]')).toBeVisible({
    timeout: 60_000,
  });

  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const lines = [
    JSON.stringify({ messageId: 'imp-1', userId: 'e2e-imported', type: 'page_view', timestamp: at(3_600_000) }),
    'this is not json',
    JSON.stringify({ messageId: 'imp-2', userId: 'e2e-imported', type: 'purchase', timestamp: at(3_000_000) }),
  ];
  await page.getByLabel('File (NDJSON or CSV)').setInputFiles({
    name: 'events.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(lines.join('\n') + '\n'),
  });
  await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
  await expect(page.getByRole('heading', { name: 'Dry run: nothing was stored' })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-field="valid"]')).toHaveText('2');
  await expect(page.locator('[data-field="invalid"]')).toHaveText('1');
  await expect(page.locator('.errors li').first()).toHaveText(/^Line 2/);
  await shot(page, 'jobs-dry-run');

  // A second tab, so the report stays on the first one.
  const users = await context.newPage();
  const search = async () => {
    await users.goto('/users');
    await expect(users.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
    await users.getByLabel('Search by id, email or name').fill('e2e-imported');
  };
  await search();
  await expect(users.getByText('No one matches this search.')).toBeVisible();

  await page.getByRole('button', { name: 'Run the import' }).click();
  await expect(page.getByRole('heading', { name: 'Import finished' })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-field="stored"]')).toHaveText('2');
  await shot(page, 'jobs');

  await search();
  await users.getByRole('link', { name: 'e2e-imported' }).click();
  await expect(users.locator('.event')).toHaveCount(2);
  expect((await users.locator('.event .event-type').allTextContents()).sort()).toEqual(['page_view', 'purchase']);
});

test('jobs: a catalog import names the products of the commerce page', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  // Product views with SKUs only, through an event import over the API (the session's cookie).
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const views = ['SKU-E2E-1', 'SKU-E2E-1', 'SKU-E2E-2']
    .map((sku, i) => JSON.stringify({ messageId: `cat-pv-${i}`, userId: `e2e-cat-${i}`, type: 'product_view', timestamp: at, properties: { sku } }))
    .join('\n');
  const upload = await page.request.post('/v1/imports/uploads', { data: Buffer.from(views + '\n') });
  expect(upload.status()).toBe(201);
  const { uploadId } = (await upload.json()) as { uploadId: string };
  const started = await page.request.post('/v1/imports', { data: { source: { type: 'upload', uploadId }, format: 'ndjson' } });
  expect(started.status()).toBe(202);
  const { id } = (await started.json()) as { id: string };
  await expect
    .poll(async () => ((await (await page.request.get(`/v1/jobs/${id}`)).json()) as { status: string }).status, { timeout: 60_000 })
    .toBe('succeeded');

  await page.getByRole('link', { name: 'Jobs' }).click();
  const form = page.getByRole('form', { name: 'Import events' });
  await form.getByLabel('What the file holds').selectOption('catalog');
  await form.getByLabel('File (NDJSON or CSV)').setInputFiles({
    name: 'catalog.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(
      [
        JSON.stringify({ sku: 'SKU-E2E-1', name: 'Trail runner', category: 'Shoes', price: 89.9 }),
        JSON.stringify({ sku: 'SKU-E2E-2', name: 'Rain jacket', category: 'Coats' }),
      ].join('\n') + '\n',
    ),
  });
  await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
  await expect(page.getByRole('heading', { name: 'Dry run: nothing was stored' })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-field="created"]')).toHaveText('2');
  await page.getByRole('button', { name: 'Run the import' }).click();
  await expect(page.getByRole('heading', { name: 'Import finished' })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-field="created"]')).toHaveText('2');

  await page.getByRole('link', { name: 'Commerce' }).click();
  const products = page.locator('[data-panel="commerce-products"]');
  const row = products.locator('tr[data-value="SKU-E2E-1"]');
  await expect(row.getByRole('button', { name: 'Trail runner' })).toBeVisible();
  await expect(row.locator('[data-field="catalog"]')).toHaveText('SKU-E2E-1 · Shoes');
  await expect(products.locator('tr[data-value="SKU-E2E-2"]').getByRole('button', { name: 'Rain jacket' })).toBeVisible();
  await shot(page, 'commerce-products');
});

test('jobs: an admin schedules a catalog source and removes it', async ({ page }) => {
  await page.goto('/jobs');
  const panel = page.locator('[data-panel="import-schedules"]');
  await expect(panel.getByText('No scheduled imports.')).toBeVisible();
  const form = panel.getByRole('form', { name: 'Add the schedule' });
  await form.getByLabel('Address').fill('https://feeds.example.com/catalog.ndjson');
  await form.getByLabel('Schedule (cron with seconds, UTC)').fill('0 30 5 * * *');
  await form.getByRole('button', { name: 'Add the schedule' }).click();
  const row = panel.locator('tr[data-schedule]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Product catalog');
  await expect(row).toContainText('https://feeds.example.com/catalog.ndjson');
  await expect(row).toContainText('0 30 5 * * *');
  await shot(page, 'jobs-schedules');
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(panel.getByText('No scheduled imports.')).toBeVisible();
});
