// Times the console's overview on a seeded data directory: the report calls it and the
// commerce page make (7 and 30 days, with and without a filter), and the overview in
// headless Chromium from navigation until every card, the trend and every panel is drawn. Prints figures; asserts nothing. Used by scripts/bench-console.
//
// Env: API_BIN (release api binary), DATA_DIR (seeded), CHROMIUM (default /usr/bin/chromium),
//      SEED_EVENTS=N to first seed N events through the real ingestion API (10,000 users,
//      the last 30 days, batches of 2,500) instead of using a directory seeded beforehand.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const apiBin = process.env.API_BIN;
const dataDir = process.env.DATA_DIR;
if (!apiBin || !dataDir) throw new Error('set API_BIN and DATA_DIR');
const RUNS = Number(process.env.RUNS ?? 7);
// OVERVIEW_ONLY=1 times the overview page alone, not the report calls before it.
const overviewOnly = process.env.OVERVIEW_ONLY === '1';

const port = await new Promise((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  APP__STORAGE__DATA_DIR: dataDir,
  APP__SERVER__PORT: String(port),
  APP__SERVER__CONSOLE_DIR: join(frontend, 'dist'),
  APP__AUTH__COOKIE_SECURE: 'false',
  APP__TELEMETRY__LOG_LEVEL: 'warn',
  APP__RATE_LIMIT__READS_PER_MINUTE: '0',
  APP__RATE_LIMIT__INGEST_PER_MINUTE: '0',
  APP__SERVER__REQUEST_TIMEOUT_MS: '60000',
};
const seedEvents = Number(process.env.SEED_EVENTS ?? 0);
let writeKey = '';
if (seedEvents > 0) {
  const k = spawnSync(apiBin, ['write-key', 'create', '--source', 'bench-seed'], { env, encoding: 'utf8' });
  if (k.status !== 0) throw new Error(`write-key create failed: ${k.stderr}`);
  writeKey = k.stdout.trim();
}
const email = `bench-${Date.now()}@bench.test`;
const password = 'bench password 123';
const made = spawnSync(apiBin, ['admin', 'create', '--email', email, '--role', 'analyst'], { env, input: `${password}\n` });
if (made.status !== 0) throw new Error(`admin create failed: ${made.stderr}`);
// The reports index loads in the background after start; until it has, reports read the
// store. Timing starts once the server logs that it loaded (as scripts/bench.d/reports.sh).
const server = spawn(apiBin, ['serve'], {
  env: { ...env, APP__TELEMETRY__LOG_LEVEL: 'info', APP__TELEMETRY__LOG_FORMAT: 'json' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const indexLoaded = new Promise((resolve) => {
  let seen = '';
  const watch = (chunk) => {
    seen = (seen + chunk.toString()).slice(-4096);
    const line = seen.split('\n').find((l) => l.includes('Reports index loaded'));
    if (line) {
      resolve(line);
      seen = '';
    }
  };
  server.stdout.on('data', watch);
  server.stderr.on('data', watch);
});
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    // starting
  }
  if (i > 300) throw new Error('api did not start');
  await new Promise((r) => setTimeout(r, 100));
}

if (seedEvents > 0) {
  const types = ['page_view', 'page_view', 'product_view', 'search', 'add_to_cart', 'checkout_start', 'purchase', 'session_start'];
  const BATCH = 2500;
  const now = Date.now() - 600_000;
  const span = 30 * 86_400_000;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < seedEvents) {
      const from = next;
      next += BATCH;
      const batch = [];
      for (let k = from; k < Math.min(from + BATCH, seedEvents); k++) {
        const user = (k * 2_654_435_761) % 10_000;
        batch.push({
          messageId: `seed-${k}`,
          userId: `user-${user}`,
          sessionId: `s-${user}-${Math.floor(k / 50_000)}`,
          type: types[(k * 7) % types.length],
          timestamp: new Date(now - span + Math.floor((k * span) / seedEvents)).toISOString(),
          properties: { path: `/p/${k % 500}` },
        });
      }
      const r = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-write-key': writeKey },
        body: JSON.stringify(batch),
      });
      if (r.status !== 202) throw new Error(`seeding answered ${r.status}: ${await r.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const secs = (performance.now() - started) / 1000;
  console.log(`seeded ${seedEvents} events through POST /v1/events in ${secs.toFixed(0)} s`);
}

const login = await fetch(`${base}/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email, password }),
});
const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
const day = (n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const KPIS = 'visitors,sessions,bounceRate,avgSessionSeconds,orders,revenue,aov,conversionRate';
const PANEL = 'visitors,sessions,bounceRate,conversionRate,revenue';
const COMMERCE = 'revenue,orders,aov,conversionRate,buyers,newBuyers,returningBuyers';
const reports = (from, to, filter) => {
  const f = filter ? `&filter=${encodeURIComponent(filter)}` : '';
  const r = `from=${from}&to=${to}${f}`;
  return [
    [`/v1/reports/breakdown?dimension=channel&metrics=${KPIS}&limit=1&${r}`, 'cards (totals)'],
    [`/v1/reports/timeseries?metrics=visitors&interval=day&compare=previous&${r}`, 'trend'],
    [`/v1/reports/breakdown?dimension=channel&metrics=${PANEL}&limit=10&${r}`, 'channels'],
    [`/v1/reports/breakdown?dimension=landingPage&metrics=${PANEL}&limit=10&${r}`, 'landing pages'],
    [`/v1/reports/breakdown?dimension=country&metrics=${PANEL}&limit=10&${r}`, 'countries'],
    [`/v1/reports/breakdown?dimension=device&metrics=${PANEL}&limit=10&${r}`, 'devices'],
    [`/v1/reports/breakdown?dimension=channel&metrics=${COMMERCE}&limit=1&${r}`, 'commerce cards'],
    [`/v1/reports/timeseries?metrics=revenue&interval=day&compare=previous&${r}`, 'commerce trend'],
  ];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

const loadedLine = await Promise.race([indexLoaded, new Promise((r) => setTimeout(() => r(null), 600_000))]);
if (loadedLine) {
  try {
    const line = JSON.parse(loadedLine);
    const f = line.fields ?? line;
    console.log(`reports index loaded: ${f.visits} visits, ${f.people} people in ${f.elapsed_ms} ms`);
  } catch {
    console.log(`reports index loaded: ${loadedLine}`);
  }
} else {
  console.log('reports index not loaded after 10 minutes: the figures below read the store');
}
const first = await (await fetch(`${base}/v1/reports/breakdown?dimension=channel&metrics=sessions,orders&from=${day(29)}&to=${day(0)}`, { headers: { cookie } })).json();
console.log(`sessions in the last 30 days: ${first.total?.sessions}, orders: ${first.total?.orders}`);
if (!overviewOnly) {
  for (const [days, filter] of [[7, ''], [30, ''], [7, 'device:mobile'], [30, 'device:mobile']]) {
    for (const [path, name] of reports(day(days - 1), day(0), filter)) {
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = await fetch(`${base}${path}`, { headers: { cookie } });
        if (!r.ok) throw new Error(`${path} answered ${r.status}`);
        await r.json();
        times.push(performance.now() - t0);
      }
      console.log(`${name}, ${days} days${filter ? `, filter ${filter}` : ''}: median ${fmt(median(times))}, max ${fmt(Math.max(...times))}`);
    }
  }

  for (const [path, name] of [
    [`/v1/reports/retention?interval=day&periods=8&from=${day(29)}&to=${day(0)}`, 'retention, daily cohorts, 30 days, 8 periods'],
    [`/v1/reports/retention?interval=week&periods=5&from=${day(29)}&to=${day(0)}`, 'retention, weekly cohorts, 30 days, 5 periods'],
    [`/v1/reports/retention?interval=week&periods=5&returning=purchase&from=${day(29)}&to=${day(0)}`, 'retention, weekly, returning on purchase'],
    [`/v1/reports/retention?interval=week&periods=5&filter=device:mobile&from=${day(29)}&to=${day(0)}`, 'retention, weekly, filter device:mobile'],
    [`/v1/reports/attribution?dimension=channel&from=${day(29)}&to=${day(0)}`, 'attribution, every model, by channel, 30 days'],
    [`/v1/reports/attribution?model=lastNonDirect&dimension=utmCampaign&from=${day(29)}&to=${day(0)}`, 'attribution, last non-direct, by campaign, 30 days'],
  ]) {
    const times = [];
    let failed = null;
    for (let i = 0; i < RUNS && !failed; i++) {
      const t0 = performance.now();
      const r = await fetch(`${base}${path}`, { headers: { cookie } });
      await r.text();
      if (r.ok) times.push(performance.now() - t0);
      else failed = `answered ${r.status} after ${fmt(performance.now() - t0)}`;
    }
    // A call that fails (a timeout) is reported, not fatal: the overview is still measured.
    console.log(failed ? `${name}: ${failed}` : `${name}: median ${fmt(median(times))}, max ${fmt(Math.max(...times))}`);
  }

  const funnel = (body) => ({ ...body, from: day(29), to: day(0) });
  for (const [body, name] of [
    [funnel({ steps: ['product_view', 'add_to_cart', 'purchase'] }), 'funnel, 3 steps, 30 days'],
    [funnel({ steps: ['product_view', 'add_to_cart', 'purchase'], breakdown: 'channel', trend: true, dropOff: 1 }), 'funnel, 3 steps, 30 days, by channel, trend, drop-off'],
    [funnel({ steps: ['product_view', 'add_to_cart', 'purchase'], count: 'total' }), 'funnel, 3 steps, 30 days, total conversions'],
  ]) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await fetch(`${base}/v1/funnels`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`funnel ${name} answered ${r.status}`);
      await r.json();
      times.push(performance.now() - t0);
    }
    console.log(`${name}: median ${fmt(median(times))}, max ${fmt(Math.max(...times))}`);
  }

  // Segments (analyst creates them): members over 30 days. A resolved segment is reused for
  // 5 s (segments::MembersCache): "first" is the call that resolved it; the wait between calls
  // makes each first call resolve afresh.
  const SEGMENTS = [
    ['repeat buyers (purchase at least twice, 30 days)', [{ kind: 'behaviour', event: 'purchase', min: 2, lastDays: 30 }]],
    ['came from a channel, did not buy (30 days)', [
      { kind: 'dimension', dimension: 'channel', value: 'Organic Search', lastDays: 30 },
      { kind: 'behaviour', event: 'purchase', max: 0, lastDays: 30 },
    ]],
  ];
  for (const [label, conditions] of SEGMENTS) {
    const made = await fetch(`${base}/v1/segments`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench ${label}`, conditions }),
    });
    if (!made.ok) throw new Error(`creating a segment answered ${made.status}`);
    const { id } = await made.json();
    for (const [path, name] of [
      [`/v1/segments/${id}/members?limit=25`, 'members (first page and total)'],
      [`/v1/reports/breakdown?dimension=channel&metrics=${PANEL}&limit=10&segment=${id}&from=${day(29)}&to=${day(0)}`, 'channels, 30 days, narrowed'],
      [`/v1/users?segment=${id}&limit=25`, 'users list, narrowed'],
    ]) {
      const times = [];
      let total;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = await fetch(`${base}${path}`, { headers: { cookie } });
        if (!r.ok) throw new Error(`${path} answered ${r.status}`);
        const body = await r.json();
        total ??= body.total?.visitors ?? body.total;
        times.push(performance.now() - t0);
      }
      console.log(`segment ${label}, ${name}: first ${fmt(times[0])}, median ${fmt(median(times))}, max ${fmt(Math.max(...times))} (total ${total})`);
      await new Promise((r) => setTimeout(r, 6000));
    }
    await fetch(`${base}/v1/segments/${id}`, { method: 'DELETE', headers: { cookie } });
  }

}
const profile = mkdtempSync(join(tmpdir(), 'shoptrail-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
await page.goto(`${base}/sign-in`);
await page.getByLabel('Email').fill(email);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('[data-kpi="visitors"] .kpi-value').waitFor({ timeout: 60_000 });
const loads = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  await page.goto(`${base}/`);
  // Checked at every frame: a locator's waitFor polls at growing intervals (up to 500 ms
  // apart), which rounded a load up by as much (the figures before 2026-12-07's last
  // section were taken that way).
  await page.waitForFunction(
    () =>
      document.querySelector('[data-kpi="visitors"] .kpi-value') !== null &&
      document.querySelector('.chart-svg') !== null &&
      document.querySelector('.state-loading') === null,
    null,
    { polling: 'raf', timeout: 60_000 },
  );
  loads.push(performance.now() - t0);
}
console.log(`overview page (full load to cards, trend and panels drawn): median ${fmt(median(loads))}, max ${fmt(Math.max(...loads))} over ${RUNS} loads`);
await ctx.close();
rmSync(profile, { recursive: true, force: true });
server.kill('SIGTERM');
