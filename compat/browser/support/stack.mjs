// The stack a shop's browser talks to, on 127.0.0.1: the real `api` binary (debug build,
// its own data directory, a write key and an admin made with its CLI) behind an "edge": a
// TLS-terminating proxy like the load balancer in production, answering for
// https://shoptrail.test (forwarded to the API with X-Forwarded-Proto) and
// https://shop.test (the shop's pages, another origin). Chromium maps both names to the
// edge. A control port switches the API "down" (connections dropped) or to 503 for a
// while.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..');
const repo = resolve(root, '..', '..');

export const API_HOST = 'shoptrail.test';
export const SHOP_HOST = 'shop.test';
const PASSWORD = 'browser compat suite password';
const ADMIN = 'compat@shoptrail.test';

export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function apiBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
  const bin = process.env.SHOPTRAIL_API_BIN ?? join(target, 'debug', 'api');
  if (!existsSync(bin)) {
    throw new Error(`no api binary at ${bin}: run \`cargo build -p api\` first`);
  }
  return bin;
}

async function waitReady(base) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not become ready');
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Starts the API and the edge; returns what the tests need and a stop function. Cleans up
 * after itself when a step fails. */
export async function startStack({ edgePort }) {
  const data = mkdtempSync(join(tmpdir(), 'shoptrail-browser-'));
  const started = { api: undefined, certDir: undefined };
  try {
    return await start(data, edgePort, started);
  } catch (e) {
    started.api?.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
    if (started.certDir) rmSync(started.certDir, { recursive: true, force: true });
    throw e;
  }
}

async function start(data, edgePort, started) {
  const apiPort = await freePort();
  const env = {
    ...process.env,
    APP__STORAGE__DATA_DIR: data,
    APP__SERVER__PORT: String(apiPort),
    APP__SERVER__BROWSER_SDK_DIR: join(root, 'dist'),
    APP__AUTH__COOKIE_SECURE: 'false',
    APP__TELEMETRY__LOG_FORMAT: 'json',
    APP__TELEMETRY__LOG_LEVEL: 'warn',
    // Retries come quickly; the suite must never meet the limits.
    APP__RATE_LIMIT__INGEST_PER_MINUTE: '0',
  };
  const bin = apiBinary();
  execFileSync(bin, ['admin', 'create', '--email', ADMIN, '--role', 'admin'], {
    env,
    input: `${PASSWORD}\n`,
  });
  const writeKey = execFileSync(bin, ['write-key', 'create', '--source', 'browser-compat'], {
    env,
  })
    .toString()
    .trim();
  const api = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.api = api;
  const log = [];
  api.stdout.on('data', (d) => log.push(d));
  api.stderr.on('data', (d) => log.push(d));
  const apiBase = `http://127.0.0.1:${apiPort}`;
  await waitReady(apiBase);
  const login = await fetch(`${apiBase}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN, password: PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  if (!login.ok || !cookie) throw new Error(`sign-in failed: ${login.status}`);

  // A certificate for both names, made fresh (Chromium is told to accept it).
  const certDir = mkdtempSync(join(tmpdir(), 'shoptrail-edge-'));
  started.certDir = certDir;
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', `/CN=${API_HOST}`,
    '-addext', `subjectAltName=DNS:${API_HOST},DNS:${SHOP_HOST}`,
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' });

  let mode = 'up';
  let modeTimer;
  const counts = { dropped: 0, refused503: 0 };
  // Event deliveries (not the settings documents, not analytics-next's own metrics).
  const isEventPost = (req) => {
    const path = req.url.split('?')[0];
    return req.method === 'POST' && path !== '/v1/m' && (path.startsWith('/v1/') || path.startsWith('/beacon/'));
  };

  const edge = https.createServer(
    { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) },
    (req, res) => {
      const host = (req.headers.host ?? '').split(':')[0];
      if (host === SHOP_HOST) return serveShop(req, res, writeKey);
      if (host !== API_HOST) {
        res.writeHead(421).end();
        return;
      }
      if (mode === 'down') {
        counts.dropped++;
        req.socket.destroy();
        return;
      }
      if (mode === '503' && isEventPost(req)) {
        // What the API answers while its store is unavailable.
        counts.refused503++;
        res.writeHead(503, {
          'content-type': 'application/json',
          'retry-after': '1',
          'access-control-allow-origin': '*',
        });
        res.end(JSON.stringify({ code: 'store_unavailable', message: 'the store is unavailable; retry later' }));
        return;
      }
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: apiPort,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': req.socket.remoteAddress },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    },
  );
  await new Promise((ok) => edge.listen(edgePort, '127.0.0.1', ok));

  const control = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://control');
    if (url.pathname === '/mode') {
      clearTimeout(modeTimer);
      mode = url.searchParams.get('api') ?? 'up';
      const ms = Number(url.searchParams.get('ms') ?? 0);
      if (ms > 0) modeTimer = setTimeout(() => (mode = 'up'), ms);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ mode, ...counts }));
  });
  await new Promise((ok) => control.listen(0, '127.0.0.1', ok));

  return {
    apiBase,
    writeKey,
    cookie,
    control: `http://127.0.0.1:${control.address().port}`,
    log: () => Buffer.concat(log).toString(),
    async stop() {
      clearTimeout(modeTimer);
      edge.closeAllConnections?.();
      edge.close();
      control.close();
      api.kill('SIGTERM');
      await new Promise((ok) => api.once('exit', ok));
      rmSync(data, { recursive: true, force: true });
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

/** The shop's pages (pages/*.html with the write key filled in) and the built bundles. */
function serveShop(req, res, writeKey) {
  const path = new URL(req.url, `https://${SHOP_HOST}`).pathname;
  const file = path.startsWith('/build/')
    ? join(root, '.build', path.slice('/build/'.length))
    : join(root, 'pages', path === '/' ? 'index.html' : path.slice(1));
  if (!file.startsWith(root) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  let body = readFileSync(file, 'utf8');
  body = body.replaceAll('{{WRITE_KEY}}', writeKey);
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(body);
}
