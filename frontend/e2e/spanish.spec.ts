import { ADMIN, expect, shot, signIn, test } from './fixtures';
import { englishLeftOn } from './i18n';

test('Spanish: every page translated, remembered after reload', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/users');
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await page.getByLabel('Language').selectOption('es');
  await expect(page.getByRole('heading', { name: 'Usuarios', exact: true })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Usuarios', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');

  const pages = [
    ['/', 'Resumen', 'es-overview'],
    ['/?filter=channel%3AEmail&filter=device%3Amobile', 'Resumen', 'es-overview-filtered'],
    ['/commerce', 'Comercio', 'es-commerce'],
    ['/users', 'Usuarios', 'es-users'],
    ['/users/e2e-user-00', 'Recorrido', 'es-user-journey'],
    ['/funnels', 'Embudos', 'es-funnels'],
    ['/retention', 'Retención', 'es-retention'],
    ['/attribution', 'Atribución', 'es-attribution'],
    ['/segments', 'Segmentos', 'es-segments'],
    ['/live', 'En directo', 'es-live'],
    ['/admin/members', 'Miembros', 'es-admin-members'],
    ['/admin/write-keys', 'Claves de escritura', 'es-admin-write-keys'],
    ['/admin/audit', 'Registro de auditoría', 'es-admin-audit'],
    ['/test-event', 'Enviar un evento de prueba', 'es-test-event'],
    ['/jobs', 'Tareas', 'es-jobs'],
  ] as const;
  const found: Record<string, string[]> = {};
  for (const [path, heading, name] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, exact: true }).first()).toBeVisible();
    await expect(page.locator('[role="status"].state-loading')).toHaveCount(0);
    if (path === '/funnels') {
      await page.getByRole('button', { name: 'Mostrar embudo' }).click();
      await expect(page.locator('.funnel-step').first()).toBeVisible();
    }
    if (path.startsWith('/?filter')) {
      await expect(page.getByText('Canal es Correo electrónico')).toBeVisible();
      await expect(page.getByText('Dispositivo es Móvil')).toBeVisible();
    }
    const left = await englishLeftOn(page);
    if (left.length) found[path] = left;
    await shot(page, name);
  }
  expect(found, 'English left on Spanish pages').toEqual({});

  await page.getByLabel('Idioma').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible();
});

test.describe('signed out', () => {
  test.use({ member: null });

  test('Spanish: the sign-in page too', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.getByLabel('Language').selectOption('es');
    await expect(page.getByRole('heading', { name: 'Inicia sesión en Shoptrail' })).toBeVisible();
    expect(await englishLeftOn(page), 'English left on the Spanish sign-in page').toEqual([]);
    await signIn(page, { email: ADMIN.email, password: 'wrong password here' });
    await expect(page.getByText('El correo o la contraseña no son correctos.')).toBeVisible();
    expect(await englishLeftOn(page), 'English left after a failed sign-in').toEqual([]);
    await shot(page, 'es-sign-in');
  });
});
