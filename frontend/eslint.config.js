import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import i18next from 'eslint-plugin-i18next';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

// Dependencies point one way: shared → features → app. A feature never imports another
// feature (what two features share moves down into src/shared), and neither shared nor a
// feature imports the app. Every folder under src/features gets its own zone, so a new
// feature is covered without touching this file.
const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
export const boundaryZones = [
  ...features.map((f) => ({
    target: `./src/features/${f}`,
    from: './src/features',
    except: [`./${f}`],
    message: 'A feature must not import another feature; move what they share to src/shared.',
  })),
  {
    target: './src/features',
    from: './src/app',
    message: 'Features must not import the app; the app composes features.',
  },
  {
    target: './src/shared',
    from: ['./src/features', './src/app'],
    message: 'src/shared must not import features or the app.',
  },
];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-output', 'src/shared/api/schema.gen.ts'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-hooks/set-state-in-effect': 'off',
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
    },
  },
  // Every visible string goes through i18n: no literal text in JSX outside tests.
  {
    files: ['src/**/*.tsx'],
    ignores: ['src/**/*.test.tsx', 'src/test/**'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': ['error', { mode: 'jsx-text-only' }],
    },
  },
  // Node code: the Playwright specs and fixtures, configs, scripts, the lint's own tests.
  {
    files: ['e2e/**/*.{ts,mjs}', 'lint/**/*.mjs', 'scripts/**/*.mjs', '*.config.{js,ts}'],
    // Code passed to page.evaluate runs in the browser.
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    // Playwright reads a fixture's dependencies from its destructured first parameter,
    // which is `{}` for a fixture that needs none.
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    files: ['e2e/**/*.mjs', 'lint/**/*.mjs', 'scripts/**/*.mjs'],
    extends: [js.configs.recommended],
  },
);
