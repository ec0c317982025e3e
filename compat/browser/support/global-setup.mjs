// Builds the npm-mode pages' scripts (esbuild, from the pinned packages), checks the
// analytics-next bundle is in place, and starts the stack once for the run; its addresses
// reach the tests through the environment.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root, startStack } from './stack.mjs';

export default async function globalSetup() {
  if (!existsSync(join(root, 'dist', 'analytics-next', 'standalone.js'))) {
    throw new Error('dist/analytics-next is missing: run `npm run bundle` first');
  }
  await build({
    entryPoints: ['next-npm', 'rudder-npm'].map((n) => join(root, 'pages', 'src', `${n}.js`)),
    bundle: true,
    format: 'iife',
    target: 'es2020',
    outdir: join(root, '.build'),
    logLevel: 'warning',
  });
  const stack = await startStack({ edgePort: Number(process.env.EDGE_PORT) });
  process.env.SHOPTRAIL_API = stack.apiBase;
  process.env.SHOPTRAIL_COOKIE = stack.cookie;
  process.env.SHOPTRAIL_WRITE_KEY = stack.writeKey;
  process.env.EDGE_CONTROL = stack.control;
  return async () => {
    await stack.stop();
    const log = stack.log();
    if (/panicked/.test(log)) {
      console.error(log);
      throw new Error('the API logged a panic');
    }
  };
}
