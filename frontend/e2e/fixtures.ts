// Shared fixtures for the console's end-to-end specs.
//
// Worker scope: the real api binary in embedded mode on its own temporary data directory
// and port, members and a write key made by its CLI, data seeded through `POST /v1/events`,
// and one signed-in session per role (storage state), so a test starts signed in without
// typing a password. A worker that fails a test is replaced with a fresh api and data.
//
// Test scope: a fresh browser context per test (isolated), signed in as `member` (admin by
// default, `null` for signed out), with console errors collected and asserted empty.
//
// Env: API_BIN (default $CARGO_TARGET_DIR/debug/api or ../target/debug/api).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, request, type Page } from '@playwright/test';
import { seedRequests } from './seed';

export { expect };

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(frontend, '..');
const out = join(frontend, 'test-output');

export const ADMIN = { email: 'admin@e2e.test', password: 'e2e admin password 1' };
export const VIEWER = { email: 'viewer@e2e.test', password: 'e2e viewer password 1' };
export type Member = 'admin' | 'viewer';

export interface Api {
  baseURL: string;
  /** A write key made by `api write-key create`, for ingestion. */
  writeKey: string;
  /** Storage state files of a signed-in session per role. */
  states: Record<Member, string>;
}

function apiBin(): string {
  if (process.env.API_BIN) return process.env.API_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  return join(target, 'debug', 'api');
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

async function waitHealthy(baseURL: string, server: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`api exited with ${server.exitCode}; see ${log}`);
    try {
      if ((await fetch(`${baseURL}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`api did not become healthy; see ${log}`);
}

/** Screenshot of the whole page into test-output/screenshots/, for people to look at. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(out, 'screenshots', `${name}.png`), fullPage: true });
}

/** Every object inside a JSON body that `pred` accepts, wherever the body's envelope puts
 * it: specs look for what was stored, not at how a page of results is wrapped. */
export function findObjects(body: unknown, pred: (o: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  if (Array.isArray(body)) return body.flatMap((x) => findObjects(x, pred));
  if (body === null || typeof body !== 'object') return [];
  const o = body as Record<string, unknown>;
  return pred(o) ? [o] : Object.values(o).flatMap((x) => findObjects(x, pred));
}

export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel(/^(Email|Correo electrónico)$/).fill(who.email);
  await page.getByLabel(/^(Password|Contraseña)$/).fill(who.password);
  await page.getByRole('button', { name: /^(Sign in|Iniciar sesión)$/ }).click();
}

interface WorkerFixtures {
  api: Api;
}
interface TestFixtures {
  /** Who the test's browser context is signed in as; `null` for signed out. */
  member: Member | null;
  /** Console errors and uncaught exceptions of the test's pages (asserted empty at the end). */
  consoleErrors: string[];
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  api: [
    async ({}, use, workerInfo) => {
      const bin = apiBin();
      if (!existsSync(bin)) throw new Error(`no api binary at ${bin}: run 'cargo build -p api' or set API_BIN`);
      const dist = join(frontend, 'dist');
      if (!existsSync(join(dist, 'index.html'))) throw new Error('build the console first (npm run build)');
      mkdirSync(out, { recursive: true });

      const data = mkdtempSync(join(tmpdir(), 'shoptrail-e2e-'));
      const port = await freePort();
      const baseURL = `http://127.0.0.1:${port}`;
      const env = {
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
        // The seed says each visitor's country the way CloudFront does, from this machine.
        APP__INGEST__COUNTRY_HEADER: 'CloudFront-Viewer-Country',
        APP__SERVER__TRUSTED_PROXIES: '127.0.0.1/32',
      };
      const cli = (args: string[], input?: string) => {
        const r = spawnSync(bin, args, { env, input, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`api ${args.join(' ')} failed: ${r.stderr}`);
        return r.stdout.trim();
      };
      cli(['admin', 'create', '--email', ADMIN.email, '--role', 'admin', '--name', 'Ana Admin'], `${ADMIN.password}\n`);
      cli(['admin', 'create', '--email', VIEWER.email, '--role', 'viewer', '--name', 'Bruno Lector'], `${VIEWER.password}\n`);
      const writeKey = cli(['write-key', 'create', '--source', 'e2e-seed']);

      const log = join(out, `api-worker-${workerInfo.workerIndex}.log`);
      const logFd = openSync(log, 'w');
      const server = spawn(bin, ['serve'], { env, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      try {
        await waitHealthy(baseURL, server, log);

        for (const { country, events } of seedRequests()) {
          const seeded = await fetch(`${baseURL}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-write-key': writeKey, 'cloudfront-viewer-country': country },
            body: JSON.stringify(events),
          });
          if (seeded.status !== 202) throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
        }

        const states = {} as Record<Member, string>;
        for (const [role, who] of [
          ['admin', ADMIN],
          ['viewer', VIEWER],
        ] as const) {
          const http = await request.newContext({ baseURL });
          const r = await http.post('/v1/auth/login', { data: who });
          if (!r.ok()) throw new Error(`signing in ${who.email} failed: ${r.status()} ${await r.text()}`);
          states[role] = join(data, `${role}.state.json`);
          await http.storageState({ path: states[role] });
          await http.dispose();
        }

        await use({ baseURL, writeKey, states });
      } finally {
        server.kill('SIGTERM');
        if (server.exitCode === null) await new Promise((r) => server.once('exit', r));
        rmSync(data, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  member: ['admin', { option: true }],
  baseURL: async ({ api }, use) => use(api.baseURL),
  storageState: async ({ api, member }, use) => use(member ? api.states[member] : undefined),

  consoleErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on('console', (msg) => {
          if (msg.type() !== 'error') return;
          // A 401 is how the API says "not signed in" (before sign-in, after expiry); the
          // app handles it, but the browser still logs the response.
          if (/Failed to load resource.*status of 401/.test(msg.text())) return;
          errors.push(`${msg.text()} (${msg.location().url})`);
        });
        page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});
