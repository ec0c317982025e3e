// End-to-end tests of the console in headless Chromium (the Debian package, driven by
// playwright-core) against the real API binary in embedded mode, on a temporary data
// directory seeded through the real ingestion API. Prints one line per test and
// "E2E: N passed, M failed"; screenshots go to frontend/test-output/.
//
// Env: API_BIN (default ../target/debug/api or $CARGO_TARGET_DIR/debug/api),
//      CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, openSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, '..');
const repo = resolve(frontend, '..');
const out = join(frontend, 'test-output');
mkdirSync(out, { recursive: true });

const targetDir = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target');
const apiBin = process.env.API_BIN ?? join(targetDir, 'debug', 'api');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = join(frontend, 'dist');
if (!existsSync(join(dist, 'index.html'))) throw new Error('build the console first (npm run build)');

const ADMIN = { email: 'admin@e2e.test', password: 'e2e admin password 1' };
const VIEWER = { email: 'viewer@e2e.test', password: 'e2e viewer password 1' };
const TIMEOUT = 30_000;

// ─── The real API ─────────────────────────────────────────────────────────────

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

const data = mkdtempSync(join(tmpdir(), 'shoptrail-e2e-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const apiEnv = {
  ...process.env,
  APP__STORAGE__DATA_DIR: join(data, 'db'),
  APP__SERVER__PORT: String(port),
  APP__SERVER__CONSOLE_DIR: dist,
  APP__AUTH__COOKIE_SECURE: 'false',
  APP__TELEMETRY__LOG_FORMAT: 'json',
  APP__RATE_LIMIT__AUTH_PER_MINUTE: '100000',
  APP__RATE_LIMIT__AUTH_BURST: '10000',
  APP__RATE_LIMIT__READS_PER_MINUTE: '1000000',
  APP__RATE_LIMIT__READS_BURST: '100000',
};

function cli(args, input) {
  const r = spawnSync(apiBin, args, { env: apiEnv, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`api ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

cli(['admin', 'create', '--email', ADMIN.email, '--role', 'admin', '--name', 'Ana Admin'], `${ADMIN.password}\n`);
cli(['admin', 'create', '--email', VIEWER.email, '--role', 'viewer', '--name', 'Bruno Lector'], `${VIEWER.password}\n`);
const writeKey = cli(['write-key', 'create', '--source', 'e2e-seed']);

const logFd = openSync(join(out, 'api.log'), 'w');
const server = spawn(apiBin, ['serve'], { env: apiEnv, stdio: ['ignore', logFd, logFd] });
let serverExit = null;
server.on('exit', (code) => (serverExit = code));
async function waitHealthy() {
  for (let i = 0; i < 300; i++) {
    if (serverExit !== null) throw new Error(`api exited with ${serverExit}; see test-output/api.log`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('api did not become healthy');
}
await waitHealthy();

// ─── Seed through the real ingestion API ───────────────────────────────────────

// Always in the past (future timestamps would be clamped to the receive time).
const day = (offset) => new Date(Date.now() - offset * 86_400_000 - 2 * 3_600_000);
const events = [];
for (let u = 0; u < 24; u++) {
  const user = `e2e-user-${String(u).padStart(2, '0')}`;
  for (let s = 0; s < 2; s++) {
    const start = new Date(day((u + s * 5) % 12).getTime() + u * 60_000);
    const session = `${user}-s${s}`;
    const steps = ['session_start', 'page_view', 'product_view'];
    if (u % 2 === 0) steps.push('add_to_cart');
    if (u % 4 === 0) steps.push('purchase');
    if (u % 3 === 0) steps.push('search');
    steps.forEach((type, i) => {
      const at = new Date(start.getTime() + i * 60_000);
      events.push({
        messageId: `${session}-${i}`,
        userId: user,
        sessionId: session,
        type,
        timestamp: at.toISOString(),
        properties: { path: `/p/${i}`, ...(type === 'purchase' ? { revenue: 20 + u } : {}) },
        traits: u % 5 === 0 ? { plan: 'gold', country: 'ES' } : undefined,
      });
    });
  }
}
{
  const r = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': writeKey },
    body: JSON.stringify(events),
  });
  const body = await r.json();
  if (r.status !== 202 || body.accepted !== events.length) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(body)}`);
}

// ─── Browser ───────────────────────────────────────────────────────────────────

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const contexts = [];
async function newBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'shoptrail-e2e-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  contexts.push({ ctx, profile });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // A 401 is how the API says "not signed in" (before sign-in, after expiry); the app
    // handles it, but the browser still logs the response.
    if (/Failed to load resource.*status of 401/.test(msg.text())) return;
    consoleErrors.push(`${msg.text()} (${msg.location()?.url ?? ''})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return { ctx, page, consoleErrors };
}

async function signIn(page, who) {
  await page.getByLabel(/^(Email|Correo electrónico)$/).fill(who.email);
  await page.getByLabel(/^(Password|Contraseña)$/).fill(who.password);
  await page.getByRole('button', { name: /^(Sign in|Iniciar sesión)$/ }).click();
}

/** JSON from the API with the page's own session cookie. */
async function api(page, path, init) {
  return page.evaluate(
    async ([p, i]) => {
      const r = await fetch(p, { credentials: 'include', ...i });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    },
    [path, init ?? {}],
  );
}

const shot = (page, name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });

let passed = 0;
let failed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    await admin?.page.screenshot({ path: join(out, `failure-${++failures}.png`), fullPage: true }).catch(() => {});
    console.log(`not ok - ${name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function assertEq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

const today = new Date().toISOString().slice(0, 10);
const minus = (n) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
};

const admin = await newBrowser();
let failures = 0;
const { page } = admin;

await test('signing in from a deep link returns there', async () => {
  await page.goto(`${base}/users/e2e-user-04`);
  await page.waitForURL(/\/sign-in$/);
  await page.getByRole('heading', { name: 'Sign in to Shoptrail' }).waitFor();
  await shot(page, 'sign-in');
  await signIn(page, ADMIN);
  await page.waitForURL(/\/users\/e2e-user-04$/);
  await page.getByRole('heading', { name: 'User e2e-user-04' }).waitFor();
});

await test('keyboard: the first Tab reaches the skip link', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  assertEq(focused, 'Skip to content', 'focused element');
});

await test('overview KPIs match the API', async () => {
  await page.goto(`${base}/`);
  await page.locator('[data-kpi="events"] .kpi-value').waitFor();
  const range = await api(page, `/v1/stats?from=${minus(29)}&to=${today}`);
  const week = await api(page, `/v1/stats?from=${minus(6)}&to=${today}`);
  assertEq(range.status, 200, 'stats status');
  const kpi = async (id) => Number(await page.locator(`[data-kpi="${id}"] .kpi-value`).getAttribute('data-value'));
  assertEq(await kpi('events'), range.body.totalEvents, 'events');
  assertEq(range.body.totalEvents, events.length, 'seeded events counted');
  assertEq(await kpi('users'), range.body.totalUsers, 'users');
  assertEq(await kpi('eventsPerUser'), range.body.avgEventsPerUser, 'events per user');
  assertEq(await kpi('active7'), week.body.totalUsers, '7-day actives');
  assertEq(await kpi('active30'), range.body.totalUsers, '30-day actives');
  assertEq(await kpi('dauToday'), week.body.dailyActiveUsers.at(-1).count, 'DAU today');
  const shown = await page.locator('[data-kpi="events"] .kpi-value').textContent();
  assertEq(shown, new Intl.NumberFormat('en').format(range.body.totalEvents), 'formatted events');
  await page.getByRole('heading', { name: 'Events per day' }).waitFor();
  await shot(page, 'overview');
  await page.setViewportSize({ width: 820, height: 1180 });
  await shot(page, 'overview-tablet');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert(!overflow, 'the overview scrolls sideways on a tablet');
  await page.setViewportSize({ width: 1280, height: 900 });
});

await test('users are searchable and a journey opens grouped by session', async () => {
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  await page.getByRole('link', { name: 'e2e-user-00' }).waitFor();
  await shot(page, 'users');
  await page.getByLabel('Search by user id').fill('user-12');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  await page.getByRole('link', { name: 'e2e-user-12' }).click();
  await page.getByRole('heading', { name: 'Journey' }).waitFor();
  const journey = await api(page, '/v1/users/e2e-user-12/journey?limit=1000');
  await page.locator('.event').first().waitFor();
  assertEq(await page.locator('.event').count(), journey.body.events.length, 'events shown');
  assertEq(await page.locator('.session').count(), 2, 'sessions shown');
  assert((await page.locator('.session-title').first().textContent()).includes('Session e2e-user-12-s'), 'session title');
  await shot(page, 'user-journey');
  await page.getByLabel('Event type').selectOption('purchase');
  await page.waitForFunction(() => document.querySelectorAll('.event').length === 2);
});

await test('a funnel shows the API numbers per step', async () => {
  await page.getByRole('link', { name: 'Funnels' }).click();
  await page.getByRole('heading', { name: 'Funnels' }).waitFor();
  await page.getByRole('button', { name: 'Show funnel' }).click();
  await page.locator('.funnel-step').nth(2).waitFor();
  const expected = await api(page, '/v1/funnels', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ steps: ['product_view', 'add_to_cart', 'purchase'], from: minus(29), to: today, windowSeconds: 86400 }),
  });
  const shown = await page.locator('.funnel-step').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-entered'))));
  assertEq(shown, expected.body.steps.map((s) => s.entered), 'entered per step');
  assertEq(shown, [24, 12, 6], 'seeded funnel');
  await shot(page, 'funnel');
});

await test('an admin creates and revokes a write key', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Members' }).waitFor();
  await page.getByRole('cell', { name: VIEWER.email, exact: true }).waitFor();
  await shot(page, 'admin-members');
  await page.getByRole('link', { name: 'Write keys' }).click();
  await page.getByLabel('Source').fill('e2e-created');
  await page.getByRole('button', { name: 'Create write key' }).click();
  const secret = await page.getByLabel('Secret').inputValue();
  assert(secret.length > 20, 'secret shown once');
  await shot(page, 'admin-write-keys');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await page.getByRole('button', { name: 'Revoke e2e-created' }).click();
  await page.getByRole('button', { name: 'Confirm: revoke e2e-created' }).click();
  await page.locator('tr[data-key-source="e2e-created"] td', { hasText: 'Revoked' }).waitFor();
  const keys = await api(page, '/v1/admin/write-keys');
  assert(keys.body.find((k) => k.source === 'e2e-created')?.revokedAt, 'revoked in the API');
  const r = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': secret },
    body: JSON.stringify({ userId: 'x', type: 'page_view' }),
  });
  assertEq(r.status, 401, 'the revoked key is refused');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('cell', { name: 'e2e-created' }).first().waitFor();
  await shot(page, 'admin-audit');
});

await test('the test event form sends through ingestion and shows the result', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Test event' }).click();
  await page.getByLabel('Write key').fill(writeKey);
  await page.getByLabel('User id').fill('e2e-form-user');
  await page.getByLabel('Name 1').fill('path');
  await page.getByRole('button', { name: 'Add a property' }).click();
  await page.getByLabel('Name 2').fill('price');
  await page.getByLabel('Value 2').fill('12.5');
  await page.getByRole('button', { name: 'Send event' }).click();
  await page.locator('.result[data-status="accepted"]').waitFor();
  const profile = await api(page, '/v1/users/e2e-form-user/journey');
  assertEq(profile.body.events[0]?.properties, { path: '/', price: 12.5 }, 'stored properties');
  await shot(page, 'test-event');
});

await test('jobs: backfill an export and import a file with a dry run first', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Export this day' }).click();
  await page.locator('tr[data-job-kind="export"][data-job-status="succeeded"]').waitFor({ timeout: 60_000 });
  const lines = [
    JSON.stringify({ messageId: 'imp-1', userId: 'e2e-imported', type: 'page_view', timestamp: new Date(Date.now() - 3_600_000).toISOString() }),
    'this is not json',
    JSON.stringify({ messageId: 'imp-2', userId: 'e2e-imported', type: 'purchase', timestamp: new Date(Date.now() - 3_000_000).toISOString() }),
  ];
  await page.getByLabel('File (NDJSON or CSV)').setInputFiles({
    name: 'events.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(lines.join('\n') + '\n'),
  });
  await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
  await page.getByRole('heading', { name: 'Dry run: nothing was stored' }).waitFor({ timeout: 60_000 });
  assertEq(await page.locator('[data-field="valid"]').textContent(), '2', 'valid lines');
  assertEq(await page.locator('[data-field="invalid"]').textContent(), '1', 'invalid lines');
  assert((await page.locator('.errors li').first().textContent()).startsWith('Line 2'), 'the bad line is reported');
  const before = await api(page, '/v1/users/e2e-imported/journey');
  assertEq(before.body.events.length, 0, 'a dry run stores nothing');
  await shot(page, 'jobs-dry-run');
  await page.getByRole('button', { name: 'Run the import' }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
  assertEq(await page.locator('[data-field="stored"]').textContent(), '2', 'stored');
  const after = await api(page, '/v1/users/e2e-imported/journey');
  assertEq(after.body.events.length, 2, 'imported events stored');
  await shot(page, 'jobs');
});

await test('an expired session goes to sign-in and back to the page', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('link', { name: 'e2e-user-00' }).waitFor();
  await admin.ctx.clearCookies();
  // The next call the page makes (a new search) meets the ended session.
  await page.getByLabel('Search by user id').fill('e2e-user-1');
  await page.waitForURL(/\/sign-in$/);
  await page.getByText('Your session has ended').waitFor();
  await signIn(page, ADMIN);
  await page.waitForURL(/\/users$/);
});

// English catalogue text that Spanish pages must not show.
const en = JSON.parse(readFileSync(join(frontend, 'src/shared/i18n/locales/en.json'), 'utf8'));
const es = JSON.parse(readFileSync(join(frontend, 'src/shared/i18n/locales/es.json'), 'utf8'));
const flat = (t, p = '') =>
  Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[p + k, v]] : flat(v, `${p}${k}.`)));
const esValues = new Set(flat(es).map(([, v]) => v));
// English fragments (text between placeholders) that Spanish does not share.
const english = new Set(
  flat(en)
    .filter(([, v]) => !esValues.has(v))
    .flatMap(([, v]) => v.split(/\{\{\w+\}\}/))
    .map((s) => s.replace(/^[\s.,:;()·–-]+|[\s.,:;()·–-]+$/g, ''))
    .filter((s) => s.length >= 4 && !flat(es).some(([, v]) => v.includes(s))),
);
const leftovers = async (p = page) => {
  const text = await p.evaluate(() => document.body.innerText);
  // Whole words only, and not inside identifiers such as e2e-user-00.
  const edge = '[^\\p{L}\\p{N}_@-]';
  return [...english].filter((s) =>
    new RegExp(`(^|${edge})${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${edge}|$)`, 'u').test(text),
  );
};
await test('Spanish: every page translated, remembered after reload', async () => {
  await page.goto(`${base}/users`);
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  await page.getByLabel('Language').selectOption('es');
  await page.getByRole('heading', { name: 'Usuarios', exact: true }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Usuarios', exact: true }).waitFor();
  assertEq(await page.evaluate(() => document.documentElement.lang), 'es', 'html lang');
  const pages = [
    ['/', 'Resumen', 'es-overview'],
    ['/users', 'Usuarios', 'es-users'],
    ['/users/e2e-user-00', 'Recorrido', 'es-user-journey'],
    ['/funnels', 'Embudos', 'es-funnels'],
    ['/admin/members', 'Miembros', 'es-admin-members'],
    ['/admin/write-keys', 'Claves de escritura', 'es-admin-write-keys'],
    ['/admin/audit', 'Registro de auditoría', 'es-admin-audit'],
    ['/test-event', 'Enviar un evento de prueba', 'es-test-event'],
    ['/jobs', 'Tareas', 'es-jobs'],
  ];
  const found = {};
  for (const [path, heading, name] of pages) {
    await page.goto(`${base}${path}`);
    await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
    await page.locator('[role="status"].state-loading').waitFor({ state: 'detached' });
    if (path === '/funnels') {
      await page.getByRole('button', { name: 'Mostrar embudo' }).click();
      await page.locator('.funnel-step').first().waitFor();
    }
    const left = await leftovers();
    if (left.length) found[path] = left;
    await shot(page, name);
  }
  assertEq(found, {}, 'English left on Spanish pages');
  // Numbers through Intl: the Spanish overview groups thousands with a dot or not at all.
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
});

admin.consoleErrors.length && console.log(`console errors (admin): ${admin.consoleErrors.join(' | ')}`);
await test('no console errors for the admin', async () => {
  assertEq(admin.consoleErrors, [], 'console errors');
});

await test('Spanish: the sign-in page too', async () => {
  const b = await newBrowser();
  await b.page.goto(`${base}/`);
  await b.page.waitForURL(/\/sign-in$/);
  await b.page.getByLabel('Language').selectOption('es');
  await b.page.getByRole('heading', { name: 'Inicia sesión en Shoptrail' }).waitFor();
  assertEq(await leftovers(b.page), [], 'English left on the Spanish sign-in page');
  await signIn(b.page, { email: ADMIN.email, password: 'wrong password here' });
  await b.page.getByText('El correo o la contraseña no son correctos.').waitFor();
  assertEq(await leftovers(b.page), [], 'English left after a failed sign-in');
  await shot(b.page, 'es-sign-in');
  assertEq(b.consoleErrors, [], 'console errors');
});

const viewer = await newBrowser();
await test('a viewer is refused the admin panel', async () => {
  const p = viewer.page;
  await p.goto(`${base}/`);
  await p.waitForURL(/\/sign-in$/);
  await signIn(p, VIEWER);
  await p.getByRole('heading', { name: 'Overview' }).waitFor();
  assertEq(await p.getByRole('link', { name: 'Admin' }).count(), 0, 'admin link hidden');
  assertEq(await p.getByRole('link', { name: 'Test event' }).count(), 0, 'test event link hidden');
  assertEq(await p.getByRole('link', { name: 'Jobs' }).count(), 0, 'jobs link hidden');
  await p.goto(`${base}/admin/members`);
  await p.getByRole('heading', { name: 'No access' }).waitFor();
  assertEq(await p.getByRole('cell', { name: ADMIN.email }).count(), 0, 'no member data');
  const cookie = (await viewer.ctx.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await fetch(`${base}/v1/admin/members`, { headers: { cookie } });
  assertEq(r.status, 403, 'the API refuses too');
  await shot(p, 'viewer-refused');
});
await test('no console errors for the viewer', async () => {
  assertEq(viewer.consoleErrors, [], 'console errors');
});

for (const { ctx, profile } of contexts) {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
server.kill('SIGTERM');
await new Promise((r) => (serverExit !== null ? r() : server.on('exit', r)));
rmSync(data, { recursive: true, force: true });
console.log(`E2E: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
