// English catalogue text that a Spanish page must not show.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

const locales = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'src/shared/i18n/locales');
type Catalogue = { [key: string]: string | Catalogue };
const load = (lng: string) => JSON.parse(readFileSync(join(locales, `${lng}.json`), 'utf8')) as Catalogue;
const flat = (t: Catalogue, p = ''): [string, string][] =>
  Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[p + k, v] as [string, string]] : flat(v, `${p}${k}.`)));

const es = flat(load('es')).map(([, v]) => v);
const esValues = new Set(es);
// English fragments (text between placeholders) that Spanish does not share.
const english = new Set(
  flat(load('en'))
    .filter(([, v]) => !esValues.has(v))
    .flatMap(([, v]) => v.split(/\{\{\w+\}\}/))
    .map((s) => s.replace(/^[\s.,:;()·–-]+|[\s.,:;()·–-]+$/g, ''))
    .filter((s) => s.length >= 4 && !es.some((v) => v.includes(s))),
);
// Whole words only, and not inside identifiers such as e2e-user-00.
const edge = '[^\\p{L}\\p{N}_@-]';
const patterns = [...english].map(
  (s) => [s, new RegExp(`(^|${edge})${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${edge}|$)`, 'u')] as const,
);

/** English catalogue fragments visible on the page. Stored data shown as is (traits, audit
 * details: `.traits` cells) is not the console's text and is left out: an erasure's audit
 * details count `events`, for instance. */
export async function englishLeftOn(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => {
    let all = document.body.innerText;
    for (const el of document.querySelectorAll<HTMLElement>('.traits')) all = all.replace(el.innerText, ' ');
    return all;
  });
  return patterns.filter(([, re]) => re.test(text)).map(([s]) => s);
}
