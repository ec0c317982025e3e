// Copies analytics-next's standalone bundle and its chunks from the pinned npm package into
// dist/analytics-next/, which the API serves (server.browser_sdk_dir, default
// compat/browser/dist) at /analytics.js/v1/{writeKey}/analytics.min.js and
// /analytics-next/bundles/{chunk}. Run after `npm ci`; the output is never committed.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgJson = require.resolve('@segment/analytics-next/package.json');
const { version } = require(pkgJson);
const umd = join(dirname(pkgJson), 'dist', 'umd');
const out = join(here, 'dist', 'analytics-next');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The standalone entry and the chunks it loads by name; no source maps or gzip twins.
const files = readdirSync(umd).filter(
  (f) => f === 'standalone.js' || /^[\w-]+\.bundle\.[0-9a-f]+\.js$/.test(f),
);
if (!files.includes('standalone.js')) {
  throw new Error(`no standalone.js in ${umd}`);
}
for (const f of files) {
  copyFileSync(join(umd, f), join(out, f));
}
writeFileSync(join(out, 'VERSION'), `${version}\n`);
console.log(`analytics-next ${version}: ${files.length} files -> ${out}`);
