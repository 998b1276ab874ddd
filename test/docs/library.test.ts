import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as library from '../../lambdas/library';

/*
 * docs/library.md cannot drift from the library: it shows examples/library-scan.ts verbatim (the
 * pack test type-checks and runs that file, and every other example of the page, against the
 * packed package), and it names every export of the library entry.
 */

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every name `lambdas/library.ts` exports, types included (types leave no trace at run time). */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/^export (?:type )?\{([^}]+)\}/gm)].flatMap((m) => m[1].split(',').map((name) => name.trim()));
}

describe('docs/library.md', () => {
  const page = read('docs/library.md');

  it('shows examples/library-scan.ts as it is, in one TypeScript block', () => {
    expect(page).toContain('```ts\n' + read('examples/library-scan.ts') + '```\n');
  });

  it('names every export of the library entry, in code', () => {
    const names = exportedNames(read('lambdas/library.ts'));
    // The parse misses none: every export that exists at run time is among the names, and types are there too.
    const values = Object.keys(library).filter((key) => key !== '__esModule');
    expect(names).toEqual(expect.arrayContaining(values));
    expect(names.length).toBeGreaterThan(values.length);
    expect(names.filter((name) => !page.includes(`\`${name}`))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(read('README.md')).toContain('](docs/library.md)');
  });
});
