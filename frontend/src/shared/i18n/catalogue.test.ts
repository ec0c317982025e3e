// Both catalogues complete and consistent, and every key the code uses exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from './locales/en.json';
import es from './locales/es.json';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else Object.assign(out, flatten(v, key));
  }
  return out;
}

const EN = flatten(en as Tree);
const ES = flatten(es as Tree);
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

// Strings that are the same in both languages on purpose (names, pure placeholders).
const SAME_IN_BOTH = new Set([
  'app.name',
  'language.en',
  'language.es',
  'account.signedInAs',
  'funnels.stepName',
  'jobs.import.formats.csv',
  'reports.csv',
  'reports.channels.Display',
  'reports.channels.Audio',
  'reports.channels.SMS',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('catalogues', () => {
  it('have the same keys', () => {
    expect(Object.keys(ES).sort()).toEqual(Object.keys(EN).sort());
  });
  it('have no empty strings and the same placeholders', () => {
    for (const [k, v] of Object.entries(EN)) {
      expect(v.trim(), k).not.toBe('');
      expect(ES[k]?.trim(), k).not.toBe('');
      // A singular may say "one" in words instead of {{count}}.
      const strip = (p: (string | undefined)[]) => (k.endsWith('_one') ? p.filter((x) => x !== 'count') : p);
      expect(strip(placeholders(ES[k] ?? '')), k).toEqual(strip(placeholders(v)));
    }
  });
  it('translate every string into Spanish', () => {
    const untranslated = Object.keys(EN).filter((k) => EN[k] === ES[k] && !SAME_IN_BOTH.has(k));
    expect(untranslated).toEqual([]);
  });
  it('hold every literal key the code passes to t()', () => {
    const root = join(__dirname, '..', '..');
    const used = new Set<string>();
    for (const file of sourceFiles(root)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]!);
      for (const m of readFileSync(file, 'utf8').matchAll(/key: '([a-z]+\.[a-zA-Z0-9_.-]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    const plural = (k: string) => EN[`${k}_one`] !== undefined && EN[`${k}_other`] !== undefined;
    const missing = [...used].filter((k) => EN[k] === undefined && !plural(k));
    expect(missing).toEqual([]);
  });
});
