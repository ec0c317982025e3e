// The import-boundary lint fires: a feature importing another feature, a feature importing
// the app, shared importing a feature. And stays quiet for imports within one feature and
// from shared. Run by `npm run lint` (node --test).
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: frontend });
const RULE = 'import-x/no-restricted-paths';

/** Messages of the boundary rule for `code` linted as if it lived at `file`. */
async function boundary(file, code) {
  const [result] = await eslint.lintText(code, { filePath: join(frontend, file) });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

test('a feature importing another feature through the alias is an error', async () => {
  const m = await boundary(
    'src/features/users/components/Probe.ts',
    "import { useMembers } from '@/features/admin/api/list-members';\nexport const x = useMembers;\n",
  );
  assert.equal(m.length, 1, `expected one boundary error, got ${JSON.stringify(m)}`);
  assert.match(m[0], /must not import another feature/);
});

test('a feature importing another feature by a relative path is an error', async () => {
  const m = await boundary(
    'src/features/funnels/components/Probe.ts',
    "import { useJobs } from '../../jobs/api/list-jobs';\nexport const x = useJobs;\n",
  );
  assert.equal(m.length, 1, `expected one boundary error, got ${JSON.stringify(m)}`);
});

test('a feature importing the app, or shared importing a feature, is an error', async () => {
  const up = await boundary('src/features/users/components/Probe.ts', "export { App } from '@/app/App';\n");
  assert.equal(up.length, 1, `feature → app: ${JSON.stringify(up)}`);
  const down = await boundary(
    'src/shared/lib/Probe.ts',
    "export { UsersPage } from '@/features/users/components/UsersPage';\n",
  );
  assert.equal(down.length, 1, `shared → feature: ${JSON.stringify(down)}`);
});

test('imports within one feature and from shared are allowed', async () => {
  const m = await boundary(
    'src/features/users/components/Probe.ts',
    "import { summarize } from '../lib/sessions';\nimport { useUser } from '@/features/users/api/get-user';\nimport { Loading } from '@/shared/components/States';\nexport const x = [summarize, useUser, Loading];\n",
  );
  assert.deepEqual(m, []);
});
